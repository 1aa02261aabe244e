"""API grades vs the HTML grades page vs a bare Flask view, same gunicorn setup, same run.

    .venv/bin/python bench/api_bench.py [--db sqlite|postgresql|both] [--seconds 8] [--rounds 2]

The dataset and the servers are those of bench/register_bench.py (a pupil with 300
grades in 14 subjects, 25 pupils in the class; 2 gunicorn workers, gthread, 4 threads;
``wrk -t2``). The API is called as a third-party app does: a bearer access token signed
by a stand-in IdP whose discovery and JWKS are served over HTTP on loopback (the same
verification path as with the real IdP: signature, issuer, audience, expiry, scope),
the ``school_accounts`` claim naming the parent's school login. Prints a Markdown
table: requests/s, p50/p99 and the ratio to the bare view; and the SQL queries of one
API request.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.register_bench import (  # noqa: E402
    SECRET,
    count_queries,
    database_url,
    fill,
    serve,
    session_cookie,
    wrk,
)
from tests.support.fake_idp import FakeIdp  # noqa: E402

GB_PORT, HELLO_PORT = 18812, 18811
GB_URL = f"http://127.0.0.1:{GB_PORT}"


def build(url: str, issuer: str) -> tuple[str, str, str, int]:
    """Migrate and fill; return (session cookie, parent ref, pupil ref, queries per API call)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from gradebook_service import create_app
    from gradebook_service.accounts.models import SchoolAccount

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": False,
                      "IDP_ISSUER": issuer, "GRADEBOOK_URL": GB_URL})
    with app.app_context():
        upgrade()
        account_id, version = fill(app)
        cookie = session_cookie(app, account_id, version)
        db = app.extensions["sqlalchemy"]
        parent = db.session.execute(sa.select(SchoolAccount).where(
            SchoolAccount.id == account_id)).scalar_one()
        refs = parent.ref, parent.family_pupil().ref
        queries = count_queries(app, cookie)
        db.engine.dispose()
    return cookie, refs[0], refs[1], queries


def api_queries(url: str, issuer: str, token: str, pupil_ref: str) -> int:
    """SQL statements of one API grades request (in-process, after a warm-up request)."""
    import sqlalchemy as sa

    from gradebook_service import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": False,
                      "IDP_ISSUER": issuer, "GRADEBOOK_URL": GB_URL})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/pupils/{pupil_ref}/grades?limit=200"
    assert client.get(path, headers=headers).status_code == 200
    seen: list[str] = []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        sa.event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
    return len(seen)


def run(kind: str, seconds: int, connections: int, rounds: int) -> dict:
    idp = FakeIdp(GB_URL, {"client_id": "bench-app", "gid": 1, "scope": "openid grades:read"})
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = database_url(kind, Path(tmp))
            cookie, parent_ref, pupil_ref, page_queries = build(url, idp.issuer)
            token = idp.token(sub="bench-user", school_accounts=[{"ref": parent_ref}],
                              exp=2**31 - 1)
            queries = api_queries(url, idp.issuer, token, pupil_ref)
            env = {"GRADEBOOK_DATABASE_URL": url, "SECRET_KEY": SECRET, "EDZ_INSTANCE_DIR": tmp,
                   "RATELIMIT_STORAGE_URI": "memory://", "IDP_ISSUER": idp.issuer,
                   "GRADEBOOK_URL": GB_URL, "API_RATE_LIMIT_CLIENT": "100000000 per minute",
                   "API_RATE_LIMIT_USER": "100000000 per minute"}
            hello = serve("bench.register_hello_app:app", HELLO_PORT, env)
            book = serve("gradebook_service:create_app()", GB_PORT, env)
            bearer = f"Authorization: Bearer {token}"
            targets = {
                "hello": (f"http://127.0.0.1:{HELLO_PORT}/", None),
                "page": (f"{GB_URL}/family/grades", f"Cookie: {cookie}"),
                "api50": (f"{GB_URL}/api/v1/pupils/{pupil_ref}/grades", bearer),
                "api200": (f"{GB_URL}/api/v1/pupils/{pupil_ref}/grades?limit=200", bearer),
            }
            try:
                api = requests.get(targets["api200"][0], timeout=10,
                                   headers={"Authorization": f"Bearer {token}"})
                assert api.status_code == 200 and len(api.json()["items"]) == 200, api.text[:300]
                results: dict[str, list] = {name: [] for name in targets}
                for target, header in targets.values():
                    wrk(target, 2, connections, header=header)  # warm-up
                for _ in range(rounds):
                    for name, (target, header) in targets.items():
                        results[name].append(wrk(target, seconds, connections, header=header))
            finally:
                for proc in (hello, book):
                    proc.terminate()
                    proc.wait(timeout=10)
    finally:
        idp.stop()
    best = {name: max(rows, key=lambda r: r["rps"]) for name, rows in results.items()}
    return {**best, "queries": queries, "page_queries": page_queries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print("| database | view | requests/s | p50 ms | p99 ms | vs bare hello | SQL queries |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        r = run(kind, args.seconds, args.connections, args.rounds)
        labels = {"hello": "bare hello (own Flask app)",
                  "page": "HTML grades page (300, signed in)",
                  "api50": "API grades, first page (50, bearer)",
                  "api200": "API grades, limit=200 (bearer)"}
        for name, label in labels.items():
            row = r[name]
            queries = {"page": r["page_queries"], "api200": r["queries"]}.get(name, "—")
            print(f"| {kind} | {label} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | "
                  f"{row['rps'] / r['hello']['rps']:.2f} | {queries} |", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
