"""Worker memory before and after the first requests, for both services, in fresh processes.

    python bench/worker_memory.py [--root DIR] [--requests 200]

Each service is measured in a new interpreter, so what the other service (or the
data set-up) imports does not count: VmRSS from /proc/self/status and the
number of loaded modules after ``create_app()``, then after a warm-up of the pages
an ordinary worker serves (the register: a parent's family pages with a signed-in
session; the IdP: discovery, JWKS, the sign-in page and client_credentials
tokens). ``--root`` measures another checkout of the project (e.g. the commit
before a change, from ``git archive``) with the same interpreter. Memory does not
depend on the machine's load, unlike the timings of the other scripts.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
#: Libraries a page-serving worker should not hold (loaded only by their features).
HEAVY = ("fpdf", "pywebpush", "webauthn", "authlib.integrations.flask_client", "holidays",
         "flask_migrate")
FAMILY_PAGES = ("/family/grades", "/family/attendance", "/family/timetable",
                "/family/homework", "/family/calendar", "/family/announcements",
                "/family/remarks", "/family/pupil", "/family/settings")


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def snapshot() -> dict:
    return {"rss_mib": round(rss_kib() / 1024, 1), "modules": len(sys.modules),
            "heavy": [name for name in HEAVY if name in sys.modules]}


def child(service: str, stage: str, root: str, requests: int) -> dict:
    """Runs in the fresh interpreter: build the app, optionally warm it up, report."""
    sys.path.insert(0, root)
    if service == "gradebook":
        from gradebook_service import create_app

        app = create_app()
        out = {"create_app": snapshot()}
        if stage == "warm":
            client = app.test_client()
            name, _, value = os.environ["BENCH_COOKIE"].partition("=")
            client.set_cookie(name, value, domain="127.0.0.1")
            for i in range(requests):
                page = FAMILY_PAGES[i % len(FAMILY_PAGES)]
                response = client.get(page, base_url="http://127.0.0.1")
                assert response.status_code == 200, (page, response.status_code, response.location)
            out["warm"] = snapshot()
        return out
    from idp import create_app

    app = create_app(json.loads(os.environ["BENCH_IDP_CONFIG"]))
    out = {"create_app": snapshot()}
    if stage == "warm":
        client = app.test_client()
        basic = base64.b64encode(f"bench:{os.environ['BENCH_IDP_SECRET']}".encode()).decode()
        for i in range(requests):
            if i % 4 == 0:
                response = client.get("/.well-known/openid-configuration")
            elif i % 4 == 1:
                response = client.get("/oauth/jwks")
            elif i % 4 == 2:
                response = client.get("/login")
            else:
                response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                       headers={"Authorization": f"Basic {basic}"})
            assert response.status_code == 200, (i, response.status_code)
        out["warm"] = snapshot()
    return out


def prepare(root: str) -> dict:
    """Databases and credentials for both services (in this process, not measured)."""
    sys.path.insert(0, root)
    sys.path.insert(0, str(BENCH))
    import register_bench

    tmp = Path(tempfile.mkdtemp(prefix="worker-memory-"))
    url = f"sqlite:///{tmp / 'gradebook.sqlite3'}"
    env = {"GRADEBOOK_DATABASE_URL": url, "SECRET_KEY": register_bench.SECRET,
           "EDZ_INSTANCE_DIR": str(tmp), "RATELIMIT_STORAGE_URI": "memory://"}
    os.environ.update(env)
    cookie, _queries = register_bench.build(url)
    env["BENCH_COOKIE"] = cookie

    from flask_migrate import upgrade

    from idp import create_app

    config = {"SECRET_KEY": "memory-secret", "SQLALCHEMY_DATABASE_URI":
              f"sqlite:///{tmp / 'idp.sqlite3'}", "RATELIMIT_STORAGE_URI": "memory://",
              "IDP_ISSUER": "http://127.0.0.1:1"}
    idp = create_app(config)
    with idp.app_context():
        upgrade()
        from idp.extensions import db
        from idp.oidc.clients import save_client

        _client, secret = save_client(client_id="bench", name="Bench", redirect_uris=[],
                                      post_logout_redirect_uris=[], public=False,
                                      first_party=True, scope="school_accounts.verify",
                                      grant_types=["client_credentials"], id_token_alg="RS256")
        db.session.commit()
    env["BENCH_IDP_CONFIG"] = json.dumps(config)
    env["BENCH_IDP_SECRET"] = secret
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(BENCH.parent),
                        help="checkout of the project to measure (default: this one)")
    parser.add_argument("--requests", type=int, default=200, help="warm-up requests")
    parser.add_argument("--child", nargs=2, metavar=("SERVICE", "STAGE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    root = str(Path(args.root).resolve())
    if args.child:
        print(json.dumps(child(*args.child, root, args.requests)))
        return
    env = {**os.environ, **prepare(root)}
    print(f"root: {root}  load average: {os.getloadavg()[0]:.1f}")
    print("| service | stage | RSS MiB | modules | heavy libraries loaded |")
    print("|---|---|---:|---:|---|")
    for service in ("gradebook", "idp"):
        run = subprocess.run(
            [sys.executable, __file__, "--root", root, "--requests", str(args.requests),
             "--child", service, "warm"], env=env, capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"{service} failed:\n{run.stderr}")
        result = json.loads(run.stdout.splitlines()[-1])
        for stage, label in (("create_app", "after create_app()"),
                             ("warm", f"after {args.requests} requests")):
            data = result[stage]
            print(f"| {service} | {label} | {data['rss_mib']:.0f} | {data['modules']:,} | "
                  f"{', '.join(data['heavy']) or '—'} |")


if __name__ == "__main__":
    main()
