"""Profile the hot request paths in-process: Python calls, CPU and SQL per request.

    python bench/profile_paths.py [--requests 300] [--top 25] [--path token_rs256 ...]

Load on a shared machine moves wall-clock figures by 2-4x; function-call counts
and SQL statements per request do not move at all, and process CPU time per
request moves far less than requests/s. This script measures those for the
IdP's discovery, JWKS and token endpoint (RS256 and ES256 access tokens) and
its SSO flow (authorize with a session -> code -> token -> UserInfo, per step and
whole) on a fresh SQLite database, through the WSGI app (no HTTP server), and
prints the top cumulative entries of a cProfile run per path (kept in
docs/profiles/).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def idp_app(alg: str):
    from flask_migrate import upgrade

    from idp import create_app

    tmp = Path(tempfile.mkdtemp(prefix="idp-profile-"))
    os.environ.setdefault("EDZ_INSTANCE_DIR", str(tmp))
    app = create_app({"SECRET_KEY": "profile-secret", "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{tmp / 'idp.sqlite3'}", "RATELIMIT_STORAGE_URI": "memory://",
                      "IDP_ISSUER": "http://127.0.0.1:1", "OIDC_ACCESS_TOKEN_ALG": alg,
                      "OIDC_OWN_ACCESS_TOKEN_ALG": alg})
    with app.app_context():
        upgrade()
        from idp.extensions import db
        from idp.oidc.clients import save_client

        _client, secret = save_client(
            client_id="bench", name="Bench", redirect_uris=[REDIRECT],
            post_logout_redirect_uris=[], public=False, first_party=True,
            scope="openid profile email school offline_access school_accounts.verify",
            grant_types=["authorization_code", "refresh_token", "client_credentials"],
            id_token_alg="RS256")
        db.session.commit()
    return app, secret


class WsgiCall:
    """One request straight into the WSGI app from a prepared environ (no test client work)."""

    def __init__(self, app, path: str, method: str = "GET", body: bytes = b"",
                 headers: dict | None = None) -> None:
        from werkzeug.test import EnvironBuilder

        content_type = "application/x-www-form-urlencoded" if body else None
        self.environ = EnvironBuilder(path=path, method=method, data=body, headers=headers,
                                      content_type=content_type,
                                      base_url="http://127.0.0.1:1").get_environ()
        self.body = body
        self.app = app
        self.status_code = 0

    def _start(self, status, headers, exc_info=None):
        self.status_code = int(status.split()[0])

    def __call__(self):
        environ = dict(self.environ)
        environ["wsgi.input"] = io.BytesIO(self.body)
        for _chunk in self.app(environ, self._start):
            pass
        return self


def paths(alg: str):
    # Literal paths (docs/architecture.md contracts), so older commits can be profiled too.
    DISCOVERY_PATH, JWKS_PATH, TOKEN_PATH = (  # noqa: N806
        "/.well-known/openid-configuration", "/oauth/jwks", "/oauth/token")
    app, secret = idp_app(alg)
    basic = base64.b64encode(f"bench:{secret}".encode()).decode()
    return {
        **(sso_paths(app, secret) if alg == "RS256" else {}),
        "idp_discovery": WsgiCall(app, DISCOVERY_PATH),
        "idp_jwks": WsgiCall(app, JWKS_PATH),
        f"idp_token_{alg.lower()}": WsgiCall(app, TOKEN_PATH, "POST",
                                         b"grant_type=client_credentials",
                                         {"Authorization": f"Basic {basic}"}),
    }, app


REDIRECT = "http://127.0.0.1:9/cb"


class SsoFlow:
    """One SSO flow per call: authorize (signed in, first-party) -> code -> token -> UserInfo.

    ``step`` limits what is timed and profiled to one request of the flow
    (``authorize``, ``token`` or ``userinfo``); the flow itself always runs whole,
    because each code works once. Preparing each request's environ is not measured.
    """

    def __init__(self, app, secret: str, cookie: str, step: str | None = None) -> None:
        self.app, self.cookie, self.step = app, cookie, step
        self.basic = "Basic " + base64.b64encode(f"bench:{secret}".encode()).decode()
        self.status_code = 0
        self.timed = 0.0
        self.timing = False
        self.profiler: cProfile.Profile | None = None

    def _run(self, name: str, path: str, method: str = "GET", body: bytes = b"",
             headers: dict | None = None, query: dict | None = None):
        from werkzeug.test import EnvironBuilder

        environ = EnvironBuilder(path=path, method=method, data=body, headers=headers,
                                 query_string=query, base_url="http://127.0.0.1:1",
                                 content_type="application/x-www-form-urlencoded" if body
                                 else None).get_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        seen = {}

        def start(status, response_headers, exc_info=None):
            seen["status"] = int(status.split()[0])
            seen["headers"] = dict(response_headers)

        timed = self.step in (None, name)
        if timed and self.profiler:
            self.profiler.enable()
        self.timing = timed
        start_cpu = time.process_time()
        chunks = b"".join(self.app(environ, start))
        self.timing = False
        if timed:
            self.timed += time.process_time() - start_cpu
        if timed and self.profiler:
            self.profiler.disable()
        return seen["status"], seen["headers"], chunks

    def __call__(self):
        import hashlib
        import json
        import secrets
        from urllib.parse import parse_qs, urlencode, urlsplit

        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        status, headers, _ = self._run("authorize", "/oauth/authorize", headers={
            "Cookie": self.cookie}, query={
            "client_id": "bench", "response_type": "code", "scope": "openid email",
            "redirect_uri": REDIRECT, "state": "s", "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge, "code_challenge_method": "S256"})
        assert status in (302, 303), status
        code = parse_qs(urlsplit(headers["Location"]).query)["code"][0]
        body = urlencode({"grant_type": "authorization_code", "code": code,
                          "redirect_uri": REDIRECT, "code_verifier": verifier}).encode()
        status, _, answer = self._run("token", "/oauth/token", "POST", body,
                                      {"Authorization": self.basic})
        assert status == 200, answer
        access = json.loads(answer)["access_token"]
        status, _, _ = self._run("userinfo", "/oauth/userinfo",
                                 headers={"Authorization": f"Bearer {access}"})
        self.status_code = status
        return self


def sso_paths(app, secret: str) -> dict:
    """The SSO flow whole and per step, for an account signed in through /login once."""
    import re

    from idp.accounts import services
    from idp.extensions import db

    with app.app_context():
        services.create_account("pomiar@example.org", "Zielony7Las-Kot", status="active",
                                given_name="Bench", family_name="User")
        db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    done = client.post("/login", data={"email": "pomiar@example.org",
                                       "password": "Zielony7Las-Kot", "csrf_token": token})
    assert done.status_code in (302, 303), done.status_code
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = f"{name}={client.get_cookie(name).value}"
    return {name: SsoFlow(app, secret, cookie, step) for name, step in (
        ("idp_sso_flow", None), ("idp_sso_authorize", "authorize"), ("idp_sso_token", "token"),
        ("idp_sso_userinfo", "userinfo"))}


def register_paths():
    """The gradebook's signed-in hello and parent grades page (bench/register_bench.py's data)."""
    import register_bench
    import register_hello_app

    tmp = Path(tempfile.mkdtemp(prefix="register-profile-"))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.update({"GRADEBOOK_DATABASE_URL": url, "SECRET_KEY": register_bench.SECRET,
                       "EDZ_INSTANCE_DIR": str(tmp), "RATELIMIT_STORAGE_URI": "memory://"})
    cookie, _queries = register_bench.build(url)
    app = register_hello_app.gradebook_with_hello()
    headers = {"Cookie": cookie}
    return {"register_hello": WsgiCall(app, "/bench/hello", headers=headers),
            "parent_grades": WsgiCall(app, "/family/grades", headers=headers)}, app


def measure(name, call, app, n, top, out_dir):
    import sqlalchemy as sa

    for _ in range(20):
        assert call().status_code in (200, 304), name
    statements = []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    def count(*_args, **_kwargs):
        if getattr(call, "timing", True):  # a flow counts the SQL of its timed step only
            statements.append(1)

    flow = isinstance(call, SsoFlow)
    sa.event.listen(engine, "before_cursor_execute", count)
    start = time.process_time()
    call.timed = 0.0
    for _ in range(n):
        call()
    cpu = (call.timed if flow else time.process_time() - start) / n
    sa.event.remove(engine, "before_cursor_execute", count)
    prof = cProfile.Profile()
    if flow:
        call.profiler = prof
    else:
        prof.enable()
    for _ in range(n):
        call()
    prof.disable()
    stats = pstats.Stats(prof)
    calls = stats.total_calls / n
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    if out_dir:
        (out_dir / f"{name}.txt").write_text(
            f"# {name}: {calls:.0f} Python calls/request, {cpu * 1e6:.0f} us CPU/request "
            f"(no profiler)\n" + buf.getvalue())
    print(f"{name:18} {cpu * 1e6:8.0f} us CPU/req {calls:8.0f} calls/req "
          f"{len(statements) / n:5.1f} SQL/req")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--out", type=Path, default=None,
                        help="directory for the cProfile text (e.g. docs/profiles)")
    parser.add_argument("--only", choices=("idp", "register"), default=None)
    args = parser.parse_args()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f}")
    if args.only != "register":
        for alg in ("RS256", "ES256"):
            calls, app = paths(alg)
            for name, call in calls.items():
                if alg == "ES256" and not name.startswith("idp_token"):
                    continue
                measure(name, call, app, args.requests, args.top, args.out)
    if args.only != "idp":
        calls, app = register_paths()
        for name, call in calls.items():
            measure(name, call, app, args.requests, args.top, args.out)


if __name__ == "__main__":
    main()
