"""Profile the register's school sign-in in-process: CPU besides the one argon2id verify.

    python bench/profile_signin.py [--signins 40] [--out docs/profiles]

One sign-in is what a browser does: GET /login, then POST /login with the page's CSRF
token (a new test client each time, so no device cookie: both throttle counters are
read, as for a first visit). The password hash uses the production argon2id
parameters. Prints the CPU of a sign-in, the CPU spent inside the verify, a bare verify
in the same process, the Python calls of the GET and of the POST and the SQL statements
of the POST; ``--out`` keeps the cProfile of the POST (``register_signin.txt``).
Calls and statements do not move with the machine's load; CPU does (state the load).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signins", type=int, default=40)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import issue16
    import register_bench
    import sqlalchemy as sa

    tmp = Path(tempfile.mkdtemp(prefix="signin-profile-"))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.update({"GRADEBOOK_DATABASE_URL": url, "SECRET_KEY": register_bench.SECRET,
                       "EDZ_INSTANCE_DIR": str(tmp), "RATELIMIT_STORAGE_URI": "memory://"})
    register_bench.build(url)
    stored = issue16.school_password(url)

    from gradebook_service import create_app
    from shared.passwords import Hasher

    app = create_app()
    form = {"login": "bench.p", "password": issue16.SCHOOL_PASSWORD}

    def page():
        client = app.test_client()
        html = client.get("/login", base_url="http://127.0.0.1").get_data(as_text=True)
        return client, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def post(client, token):
        done = client.post("/login", base_url="http://127.0.0.1",
                           data={**form, "csrf_token": token})
        assert done.status_code in (302, 303), done.status_code

    for _ in range(3):
        post(*page())
    verify, inside = Hasher.verify, [0.0]

    def timed_verify(self, *a, **kw):
        start = time.process_time()
        try:
            return verify(self, *a, **kw)
        finally:
            inside[0] += time.process_time() - start

    Hasher.verify = timed_verify
    start = time.process_time()
    for _ in range(args.signins):
        post(*page())
    total = (time.process_time() - start) / args.signins
    Hasher.verify = verify
    hasher = app.extensions["hasher"]
    start = time.process_time()
    for _ in range(args.signins):
        hasher.verify(stored, issue16.SCHOOL_PASSWORD)
    bare = (time.process_time() - start) / args.signins

    get_prof, post_prof, statements = cProfile.Profile(), cProfile.Profile(), []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", lambda *_a, **_k: statements.append(1))
    for _ in range(args.signins):
        get_prof.enable()
        client, token = page()
        get_prof.disable()
        statements.clear()
        post_prof.enable()
        post(client, token)
        post_prof.disable()
    n = args.signins
    get_calls = pstats.Stats(get_prof).total_calls / n
    post_calls = pstats.Stats(post_prof).total_calls / n
    line = (f"sign-in {total * 1e3:.2f} ms CPU (verify inside {inside[0] / n * 1e3:.2f} ms, "
            f"the rest {(total - inside[0] / n) * 1e3:.2f} ms); bare verify {bare * 1e3:.2f} ms "
            f"-> {bare / total:.2f}x; GET {get_calls:.0f} + POST {post_calls:.0f} Python "
            f"calls (test client included), POST {len(statements)} SQL; load average "
            f"{os.getloadavg()[0]:.2f}")
    print(line)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        buf = io.StringIO()
        pstats.Stats(post_prof, stream=buf).sort_stats("cumulative").print_stats(args.top)
        (args.out / "register_signin.txt").write_text(f"# POST /login: {line}\n" + buf.getvalue())


if __name__ == "__main__":
    main()
