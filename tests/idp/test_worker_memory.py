"""An IdP worker gives each sign-in's argon2id memory back to the system (issue 16, worker RSS).

glibc raises its mmap threshold after the first large block is freed (the hasher's
own first hash), so without ``shared.memory.return_large_blocks`` every later hash
leaves 19 MiB resident in each thread's arena. Resident memory is only meaningful in a fresh interpreter, so
the check runs the app in a subprocess and hashes in a thread, as a threaded worker does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, re, sys, threading
from shared.passwords import Hasher

def rss_mib():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024

if sys.argv[1] == "app":
    from idp import create_app
    create_app({"SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
hasher = Hasher(time_cost=1, memory_cost=19 * 1024, parallelism=1)  # hashes once itself
seen = {}

def sign_ins():
    seen["before"] = rss_mib()
    stored = hasher.hash("Zielony7Las")
    for _ in range(3):
        hasher.verify(stored, "Zielony7Las")
    seen["later"] = rss_mib()

worker = threading.Thread(target=sign_ins)
worker.start()
worker.join()
print(json.dumps(seen))
"""


def growth_after_sign_ins(mode: str) -> float:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin",
                                                       "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    return seen["later"] - seen["before"]


def test_sign_ins_leave_no_argon2_memory_resident():
    assert growth_after_sign_ins("app") < 5


def test_without_the_setting_the_memory_stays():
    """The control: the same hashes without the IdP's app keep ~19 MiB (what the fix is for)."""
    assert growth_after_sign_ins("bare") > 15
