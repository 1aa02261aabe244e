"""The request-path table of issue 16 in one run: the IdP against the peer, the register, RSS.

    .venv/bin/python bench/issue16.py [--server gunicorn-gthread|gunicorn-sync|granian|all]
                                      [--duration 8s] [--flows 100] [--no-peer]

Every figure is server CPU per request (or per flow): the CPU time of the server's
processes over the requests they served, which the machine's load moves least.
Fairness as /work/shared/bench/oidc-peer/README.md asks: ONE server worker pinned
to CPU 1 (the peer is one Node process, also pinned to CPU 1), ``wrk -t1 -c16``
pinned to CPU 0, 2 s warm-up then ``--duration``, the peer in the same run.

Rows (targets of issue 16):

* IdP discovery, JWKS, token (client_credentials), SSO code + PKCE flow
  (authorize with a session -> code -> token -> UserInfo): CPU vs the peer's.
* School-account password sign-in through the register's whole path (GET and POST
  /login: CSRF, throttle, argon2id, session record, audit row) vs a bare argon2id
  verify with the same parameters, on the same core.
* The register's signed-in "hello" and the parent's grades page (300 grades) vs a
  bare one-route Flask app under the same server (bench/register_hello_app.py).
* RSS of each worker after warm-up and after 10,000 more requests.

``--server all`` repeats the IdP and register rows for each HTTP server, so the
choice of server is measured under the same harness (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import idp_bench  # noqa: E402
import register_bench  # noqa: E402

SERVERS = ("gunicorn-gthread", "gunicorn-sync", "granian")
SCHOOL_PASSWORD = "Zielony7Las-Kot-Szkoła"  # noqa: S105 - a benchmark account's password


#: Options after the defaults of each server (``--server-args``), for trying its settings.
EXTRA_ARGS: list[str] = []


def server_command(kind: str, target: str, port: int, factory: bool) -> list[str]:
    """The command starting ``target`` (module:attr, or a factory) with one worker on ``port``."""
    if kind == "granian":
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", "1",
                "--blocking-threads", "4", "--host", "127.0.0.1", "--port", str(port),
                "--no-access-log", *(["--factory"] if factory else []), *EXTRA_ARGS, target]
    worker = "gthread" if kind == "gunicorn-gthread" else "sync"
    return [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", worker,
            "--threads", "4", "--bind", f"127.0.0.1:{port}", "--backlog", "256",
            "--access-logfile", "/dev/null", "--log-level", "warning", *EXTRA_ARGS,
            f"{target}()" if factory else target]


class Server:
    """One server process pinned to CPU 1; CPU and worker RSS read from /proc."""

    def __init__(self, kind: str, target: str, env: dict, factory: bool = False,
                 port: int | None = None) -> None:
        self.port = port or idp_bench.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = ["taskset", "-c", "1", *server_command(kind, target, self.port, factory)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                if requests.get(self.url + "/healthz", timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{kind} {target} did not start")

    def cpu(self) -> float:
        return process_tree_cpu(self.proc.pid)

    def worker_rss_mib(self) -> float:
        """The largest resident set among the server's processes but the master."""
        pids = descendants(self.proc.pid) or [self.proc.pid]
        sizes = []
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return max(sizes, default=0.0)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (granian's workers are grandchildren of its launcher)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            children = []
        found += [int(c) for c in children]
        todo += [int(c) for c in children]
    return found


def process_tree_cpu(pid: int) -> float:
    """User+system CPU seconds of ``pid`` and every process below it."""
    total = 0.0
    for p in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / idp_bench.TICK
        except OSError:
            pass
    return total


def load_until(server: Server, url: str, total: int, header: str | None = None,
               lua: str | None = None) -> None:
    """Send at least ``total`` requests (wrk in 2-second slices) to ``url``."""
    sent = 0
    while sent < total:
        cmd = ["taskset", "-c", "0", "wrk", "-t1", "-c16", "-d2s", url]
        if header:
            cmd[4:4] = ["-H", header]
        if lua:
            cmd[4:4] = ["-s", lua]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        sent += int(re.search(r"(\d+) requests in", out).group(1))


def wrk_cookie(name: str, url: str, cpu, duration: str, cookie: str | None) -> dict:
    """idp_bench.wrk with a Cookie header (a lua script setting it)."""
    if not cookie:
        return idp_bench.wrk(name, url, cpu, duration)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.headers["Cookie"] = "{cookie}"\n')
    return idp_bench.wrk(name, url, cpu, duration, script.name)


# --------------------------------------------------------------------------- IdP

def idp_rows(kind: str, duration: str, flows: int, rss_requests: int) -> dict:
    idp = idp_bench.Idp(None)
    idp.prepare()
    lua = idp.tmp / "token.lua"
    basic = base64.b64encode(f"bench:{idp.secret}".encode()).decode()
    lua.write_text('wrk.method = "POST"\nwrk.body = "grant_type=client_credentials"\n'
                   'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                   f'wrk.headers["Authorization"] = "Basic {basic}"\n')
    # Every request comes from 127.0.0.1: lift the per-IP sign-in limit for the run.
    env = {**idp.env, "LOGIN_RATE_LIMIT": "1000000 per minute"}
    server = Server(kind, "idp:create_app", env, factory=True, port=idp.port)  # the issuer's
    out: dict = {}
    try:
        token_url = server.url + "/oauth/token"
        out["discovery"] = idp_bench.wrk("discovery", server.url +
                                         "/.well-known/openid-configuration", server.cpu, duration)
        out["jwks"] = idp_bench.wrk("jwks", server.url + "/oauth/jwks", server.cpu, duration)
        out["token_cc"] = idp_bench.wrk("token_cc", token_url, server.cpu, duration, str(lua))
        client = idp_bench.FlowClient(server.url, "bench", idp.secret, "openid email")
        out["flow_sso"] = client.run(flows, server.cpu, idp_bench.idp_login)
        out["rss_warm"] = server.worker_rss_mib()
        load_until(server, token_url, rss_requests, lua=str(lua))
        out["rss_10k"] = server.worker_rss_mib()
    finally:
        server.stop()
    return out


# --------------------------------------------------------------------------- register

def school_password(url: str) -> str:
    """Give the benchmark parent ("bench.p") a password hashed with the production parameters."""
    import sqlalchemy as sa

    from gradebook_service import create_app
    from gradebook_service.accounts.models import SchoolAccount

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": register_bench.SECRET})
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        account = db.session.execute(sa.select(SchoolAccount).filter_by(
            login="bench.p")).scalar_one()
        account.password_hash = app.extensions["hasher"].hash(SCHOOL_PASSWORD)
        stored = account.password_hash
        db.session.commit()
        db.engine.dispose()
    return stored


def bare_verify_cpu_ms(stored: str, n: int) -> float:
    """CPU ms of one argon2id verify on CPU 1 (the reference of the sign-in row)."""
    from shared.passwords import Hasher

    hasher = Hasher()
    os.sched_setaffinity(0, {1})
    try:
        start = time.process_time()
        for _ in range(n):
            assert hasher.verify(stored, SCHOOL_PASSWORD).ok
        return (time.process_time() - start) / n * 1e3
    finally:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


def school_signins(server: Server, n: int) -> float:
    """Server CPU ms per school sign-in (GET /login, POST /login with the page's CSRF token)."""
    start = server.cpu()
    for _ in range(n):
        browser = requests.Session()
        page = browser.get(server.url + "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        done = browser.post(server.url + "/login", allow_redirects=False, data={
            "login": "bench.p", "password": SCHOOL_PASSWORD, "csrf_token": token})
        assert done.status_code in (302, 303), done.status_code
    return (server.cpu() - start) / n * 1e3


def register_rows(kind: str, duration: str, signins: int, rss_requests: int) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = register_bench.database_url("sqlite", Path(tmp))
        cookie, out["queries"] = register_bench.build(url)
        stored = school_password(url)
        env = {"GRADEBOOK_DATABASE_URL": url, "SECRET_KEY": register_bench.SECRET,
               "EDZ_INSTANCE_DIR": tmp, "RATELIMIT_STORAGE_URI": "memory://"}
        bare = Server(kind, "bench.register_hello_app:app", env)
        try:
            out["bare"] = idp_bench.wrk("bare", bare.url + "/", bare.cpu, duration)
        finally:
            bare.stop()
        book = Server(kind, "bench.register_hello_app:gradebook_with_hello", env, factory=True)
        try:
            out["hello"] = wrk_cookie("hello", book.url + "/bench/hello", book.cpu, duration,
                                      cookie)
            out["grades"] = wrk_cookie("grades", book.url + "/family/grades", book.cpu, duration,
                                       cookie)
            out["rss_warm"] = book.worker_rss_mib()
            load_until(book, book.url + "/family/grades", rss_requests,
                       header=f"Cookie: {cookie}")
            out["rss_10k"] = book.worker_rss_mib()
            out["signin_ms"] = school_signins(book, signins)
        finally:
            book.stop()
        out["verify_ms"] = bare_verify_cpu_ms(stored, max(signins // 2, 10))
    return out


# --------------------------------------------------------------------------- table

def verdict(ok: bool) -> str:
    return "pass" if ok else "MISS"


def table(kind: str, idp: dict, reg: dict, peer: dict | None, rss_requests: int) -> list[str]:
    rows = []

    def vs_peer(label, ours, theirs, target):
        if theirs:
            ratio = ours / theirs
            rows.append(f"| {kind} | {label} | {ours:,.0f} | {theirs:,.0f} | {ratio:.2f}× | "
                        f"≤ {target:.1f}× | {verdict(ratio <= target)} |")
        else:
            rows.append(f"| {kind} | {label} | {ours:,.0f} | — | — | ≤ {target:.1f}× | — |")

    p = peer or {}
    if idp is None:
        return rows + register_table(kind, reg, rss_requests)
    for name, label, target in (("discovery", "discovery (µs CPU/req)", 1.0),
                                ("jwks", "JWKS (µs CPU/req)", 1.0),
                                ("token_cc", "token, client_credentials (µs CPU/req)", 2.0)):
        vs_peer(label, idp[name]["cpu_us"], p.get(name, {}).get("cpu_us"), target)
    sso = (p.get("flow_sso") or {}).get("cpu_ms")
    vs_peer("SSO code + PKCE flow (µs CPU/flow)", idp["flow_sso"]["cpu_ms"] * 1e3,
            sso * 1e3 if sso else None, 1.0)
    rows.append(rss_row(kind, "IdP", idp, rss_requests))
    return rows + (register_table(kind, reg, rss_requests) if reg is not None else [])


def rss_row(kind: str, label: str, data: dict, rss_requests: int) -> str:
    return (f"| {kind} | {label} worker RSS, MiB: after warm-up / after {rss_requests:,} more "
            f"requests | {data['rss_warm']:.0f} / {data['rss_10k']:.0f} | — | — | < 100 | "
            f"{verdict(data['rss_10k'] < 100)} |")


def register_table(kind: str, reg: dict, rss_requests: int) -> list[str]:
    rows = []

    def vs_reference(label, ours, reference, target):
        # Throughput ratio at equal CPU: reference CPU / ours (higher is better).
        ratio = reference / ours
        rows.append(f"| {kind} | {label} | {ours:,.0f} | {reference:,.0f} | {ratio:.2f}× | "
                    f"≥ {target:.1f}× | {verdict(ratio >= target)} |")

    vs_reference("school password sign-in vs bare argon2id verify (µs CPU)",
                 reg["signin_ms"] * 1e3, reg["verify_ms"] * 1e3, 0.9)
    vs_reference("signed-in hello vs bare Flask hello (µs CPU/req)", reg["hello"]["cpu_us"],
                 reg["bare"]["cpu_us"], 0.6)
    vs_reference(f"parent grades page ({reg['queries']} SQL) vs bare Flask hello (µs CPU/req)",
                 reg["grades"]["cpu_us"], reg["bare"]["cpu_us"], 0.3)
    rows.append(rss_row(kind, "register", reg, rss_requests))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=(*SERVERS, "all"), default="gunicorn-gthread")
    parser.add_argument("--duration", default="8s")
    parser.add_argument("--flows", type=int, default=100)
    parser.add_argument("--signins", type=int, default=40)
    parser.add_argument("--rss-requests", type=int, default=10_000,
                        help="requests between the two RSS readings (the issue asks 10,000)")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--part", choices=("idp", "register", "all"), default="all",
                        help="measure only the IdP's or the register's rows")
    parser.add_argument("--server-args", default="",
                        help="extra server options, e.g. '--blocking-threads 1' (granian)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of the servers, e.g. MALLOC_ARENA_MAX=2")
    args = parser.parse_args()
    EXTRA_ARGS[:] = args.server_args.split()
    os.environ.update(item.split("=", 1) for item in args.env)
    # A terminated run still stops its servers (the finally blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    kinds = SERVERS if args.server == "all" else (args.server,)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()[0]
    results = {}
    for kind in kinds:
        try:
            idp = reg = None
            if args.part != "register":
                print(f"# {kind}: IdP", flush=True)
                idp = idp_rows(kind, args.duration, args.flows, args.rss_requests)
            if args.part != "idp":
                print(f"# {kind}: register", flush=True)
                reg = register_rows(kind, args.duration, args.signins, args.rss_requests)
            results[kind] = (idp, reg)
        except (RuntimeError, subprocess.CalledProcessError, AssertionError) as exc:
            print(f"# {kind} FAILED: {exc!r}", flush=True)  # the other servers still run
    peer = None
    if not args.no_peer:
        print("# peer (oidc-provider)", flush=True)
        peer = idp_bench.run_peer(args.duration, args.flows)
    extras = " ".join([*args.env, args.server_args]).strip()
    print(f"\n{started}, {os.cpu_count()} CPUs, load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after; one worker pinned to CPU 1, wrk -t1 -c16 on CPU 0, "
          f"-d{args.duration}{'; ' + extras if extras else ''}\n")
    print("| server | figure | ours | reference | ratio | target | result |")
    print("|---|---|---|---|---|---|---|")
    for kind, (idp, reg) in results.items():
        print("\n".join(table(kind, idp, reg, peer, args.rss_requests)))


if __name__ == "__main__":
    main()
