"""Answer times of "send me a link" for a known and an unknown address (issue 11, item 7).

    python bench/mail_request_timing.py [--requests 200] [--db URL]

Starts the IdP under gunicorn (one worker, pinned to CPU 1 with ``taskset``) on a
fresh SQLite database with one active account and one waiting for activation, then
posts ``/recovery`` and ``/register/resend`` alternately for the known and an
unknown address (``--requests`` per path, half each), from one client pinned to
CPU 0, and prints the median and p90 answer times and the known − unknown
difference of the medians. The throttles are raised for the run (one client asks
hundreds of times). Run it from a checkout of the code to measure (copy the script
into an older checkout to measure "before").
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from idp_bench import Idp  # noqa: E402 - the bench scripts share the process helper

KNOWN = {"/recovery": "pomiar@example.org", "/register/resend": "czeka@example.org"}
UNKNOWN = "nieznany@example.org"
RAISED = {"MAIL_BACKGROUND_SENDER": False,
          "RECOVERY_RATE_LIMIT": "100000 per minute", "REGISTER_RATE_LIMIT": "100000 per minute",
          **{f"{action}_LIMIT_PER_{what}": "100000 per hour"
             for action in ("RECOVERY", "RESEND") for what in ("ADDRESS", "IP")}}

WAITING = """
from idp import create_app
from idp.accounts.models import Account
from idp.extensions import db
with create_app().app_context():
    db.session.execute(db.update(Account).where(Account.email == {email!r})
                       .values(status="pending_activation"))
    db.session.commit()
"""


def measure(base: str, path: str, n: int) -> dict[str, list[float]]:
    """Post ``path`` ``n`` times, alternating known/unknown; return ms per answer for each."""
    session = requests.Session()
    page = session.get(base + path).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(n + 20):  # the first 20 warm up
        which = "known" if i % 2 == 0 else "unknown"
        email = KNOWN[path] if which == "known" else UNKNOWN
        start = time.perf_counter()
        response = session.post(base + path, data={"email": email, "csrf_token": token})
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.status_code
        if i >= 20:
            times[which].append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    idp = Idp(args.db)
    idp.flask("db", "upgrade")
    idp.flask("accounts", "create", "--email", KNOWN["/recovery"], "--password",
              "Zielony7Las-Kot", "--given-name", "Bench", "--family-name", "User")
    idp.flask("accounts", "create", "--email", KNOWN["/register/resend"], "--password",
              "Zielony7Las-Kot", "--given-name", "Bench", "--family-name", "Czeka")
    # The CLI makes active accounts; the second one waits for activation, as after registering.
    subprocess.run([sys.executable, "-c", WAITING.format(email=KNOWN["/register/resend"])],
                   cwd=Path(__file__).resolve().parent.parent, env=idp.env, check=True)
    idp.start(workers=1, cpus="1" if os.cpu_count() and os.cpu_count() > 1 else None,
              config=RAISED)
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {0})
    try:
        print(f"{'path':<18} {'who':<8} {'median ms':>10} {'p90 ms':>8}")
        for path in KNOWN:
            times = measure(idp.url, path, args.requests)
            for who, values in times.items():
                p90 = statistics.quantiles(values, n=10)[-1]
                print(f"{path:<18} {who:<8} {statistics.median(values):>10.2f} {p90:>8.2f}")
            gap = statistics.median(times["known"]) - statistics.median(times["unknown"])
            print(f"{path:<18} known − unknown median: {gap:+.2f} ms")
    finally:
        idp.stop()


if __name__ == "__main__":
    main()
