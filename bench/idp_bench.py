"""Benchmark the IdP's OpenID Provider against the peer (oidc-provider) in the same run.

    python bench/idp_bench.py [--duration 10s] [--flows 200] [--no-peer] [--db URL]

What it does (fairness rules of /work/shared/bench/oidc-peer/README.md):

* Starts the IdP under gunicorn on 127.0.0.1 — ONE worker pinned to CPU 1 with
  ``taskset`` (the peer is one Node process, ~1 core, also pinned to CPU 1) — on a
  fresh SQLite database (or ``--db``) with the production argon2id parameters.
* Measures with ``wrk -t1 -c16`` pinned to CPU 0 (2 s warm-up, then ``--duration``):
  discovery, JWKS and the token endpoint (client_credentials): req/s, p50/p99 and
  server CPU µs per request (CPU time of the gunicorn processes from /proc).
* Runs N sequential authorization-code + PKCE flows (authorize → code → token →
  userinfo) with an existing session (SSO) and with a full password login
  (authorize → /login page → POST e-mail/password → authorize → code → token →
  userinfo): flows/s and server CPU ms per flow.
* Password logins per core: argon2id verifications per second on one core with
  the parameters in use.
* Then the IdP with all cores (one worker per core) for the token endpoint.
* Then the peer's own script (``run_peer_bench.sh`` with PIN=1, same wrk settings)
  plus an SSO flow against the peer, and prints the ratios.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PEER = Path(os.environ.get("PEER_DIR", "/work/shared/bench/oidc-peer"))
REDIRECT = "http://127.0.0.1:9/cb"
EMAIL, PASSWORD = "pomiar@example.org", "Zielony7Las-Kot"
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_tree_cpu(pid: int) -> float:
    """User+system CPU seconds of ``pid`` and its children (gunicorn master + workers)."""
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
        except OSError:
            pass
    return total


class Idp:
    """A prepared IdP instance (database, client, account) and its gunicorn process."""

    def __init__(self, db_url: str | None) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="idp-bench-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "EDZ_INSTANCE_DIR": str(self.tmp),
                    "IDP_DATABASE_URL": db_url or f"sqlite:///{self.tmp / 'idp.sqlite3'}",
                    "SECRET_KEY": secrets.token_urlsafe(32), "IDP_ISSUER": self.url}
        for name in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM"):
            self.env.pop(name, None)  # the production defaults
        self.proc: subprocess.Popen | None = None

    def flask(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "idp", *args], cwd=ROOT,
                              env=self.env, check=True, capture_output=True, text=True).stdout

    def prepare(self) -> None:
        self.flask("db", "upgrade")
        out = self.flask("clients", "create", "--client-id", "bench", "--name", "Bench",
                         "--first-party", "--redirect-uri", REDIRECT,
                         "--grant-type", "authorization_code", "--grant-type", "refresh_token",
                         "--grant-type", "client_credentials", "--scope",
                         "openid profile email school offline_access school_accounts.verify",
                         "--rotate-secret")
        self.secret = json.loads(out)["client_secret"]
        self.flask("accounts", "create", "--email", EMAIL, "--password", PASSWORD,
                   "--given-name", "Bench", "--family-name", "User")

    def start(self, workers: int = 1, cpus: str | None = "1", config: dict | None = None) -> None:
        app = f"idp:create_app({config!r})" if config else "idp:create_app()"
        cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class",
               "gthread", "--threads", "4", "--bind", f"127.0.0.1:{self.port}",
               "--backlog", "256", app]
        if cpus:
            cmd = ["taskset", "-c", cpus, *cmd]
        self.log = open(self.tmp / "gunicorn.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                if requests.get(self.url + "/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError((self.tmp / "gunicorn.log").read_text()[-2000:])
        time.sleep(0.5 * workers)  # let every worker boot

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.log.close()
            self.proc = None

    def cpu(self) -> float:
        return process_tree_cpu(self.proc.pid)


def wrk(name: str, url: str, cpu, duration: str, lua: str | None = None, pin: bool = True) -> dict:
    """Warm up 2 s, then measure; return req/s, p50, p99 (ms), errors, server µs CPU/request."""
    base = (["taskset", "-c", "0"] if pin else []) + ["wrk", "-t1", "-c16"]
    script = ["-s", lua] if lua else []
    subprocess.run([*base, "-d2s", *script, url], capture_output=True, check=True)
    c0 = cpu()
    out = subprocess.run([*base, f"-d{duration}", "--latency", *script, url],
                         capture_output=True, text=True, check=True).stdout
    used = cpu() - c0
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"name": name, "rps": rps, "p50": ms("50"), "p99": ms("99"),
            "errors": int(non2xx.group(1)) if non2xx else 0,
            "cpu_us": used / max(requests_done, 1) * 1e6}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class FlowClient:
    """Sequential authorization-code + PKCE flows as a browser plus an RP would do them."""

    def __init__(self, base: str, client_id: str, secret: str, scope: str) -> None:
        self.session = requests.Session()
        self.meta = self.session.get(base + "/.well-known/openid-configuration").json()
        self.client_id, self.secret, self.scope = client_id, secret, scope

    def _hop(self, response) -> str:
        assert response.status_code in (302, 303), (response.status_code, response.text[:300])
        return urljoin(response.url, response.headers["Location"])

    def flow(self, login=None) -> None:
        verifier, challenge = pkce()
        state = secrets.token_urlsafe(12)
        url = requests.Request("GET", self.meta["authorization_endpoint"], params={
            "client_id": self.client_id, "response_type": "code", "scope": self.scope,
            "redirect_uri": REDIRECT, "state": state, "nonce": secrets.token_urlsafe(12),
            "code_challenge": challenge, "code_challenge_method": "S256"}).prepare().url
        for _ in range(8):
            if url.startswith(REDIRECT):
                break
            response = self.session.get(url, allow_redirects=False)
            if response.status_code == 200:
                if login is None:
                    raise RuntimeError(f"interaction needed at {url}")
                url = login(self, url, response)
            else:
                url = self._hop(response)
        query = parse_qs(urlsplit(url).query)
        assert query["state"] == [state], url
        token = self.session.post(self.meta["token_endpoint"], auth=(self.client_id, self.secret),
                                  data={"grant_type": "authorization_code",
                                        "code": query["code"][0], "redirect_uri": REDIRECT,
                                        "code_verifier": verifier})
        assert token.status_code == 200 and "id_token" in token.json(), token.text
        info = self.session.get(self.meta["userinfo_endpoint"], headers={
            "Authorization": "Bearer " + token.json()["access_token"]})
        assert info.status_code == 200 and "sub" in info.json(), info.text

    def run(self, n: int, cpu, login=None, fresh_session: bool = False) -> dict:
        self.flow(login)  # warm-up (and, for SSO, the one sign-in)
        latencies = []
        t0, c0 = time.perf_counter(), cpu()
        for _ in range(n):
            if fresh_session:
                self.session.cookies.clear()
            start = time.perf_counter()
            self.flow(login)
            latencies.append(time.perf_counter() - start)
        elapsed, used = time.perf_counter() - t0, cpu() - c0
        latencies.sort()
        return {"flows_s": n / elapsed, "p50": statistics.median(latencies) * 1e3,
                "p99": latencies[min(n - 1, int(n * 0.99))] * 1e3, "cpu_ms": used / n * 1e3}


def idp_login(client: FlowClient, url: str, response) -> str:
    """Our sign-in page: POST e-mail and password with the page's CSRF token."""
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text).group(1)
    posted = client.session.post(url, data={"email": EMAIL, "password": PASSWORD,
                                            "csrf_token": token}, allow_redirects=False)
    return client._hop(posted)


def peer_login(client: FlowClient, url: str, response) -> str:
    """oidc-provider's devInteractions: a login form, then a consent form."""
    prompt = "login" if 'name="login"' in response.text else "consent"
    data = {"prompt": prompt}
    if prompt == "login":
        data.update(login="bench-user", password="x")
    return client._hop(client.session.post(url, data=data, allow_redirects=False))


def argon2_per_core(seconds: float = 3.0) -> tuple[float, dict]:
    """argon2id verifications per second on one core with the production parameters."""
    os.sched_setaffinity(0, {1})
    from shared.passwords import DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST, Hasher

    hasher = Hasher()
    stored = hasher.hash(PASSWORD)
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        assert hasher.verify(stored, PASSWORD).ok
        count += 1
    os.sched_setaffinity(0, set(range(os.cpu_count())))
    return count / (time.perf_counter() - t0), {
        "t": DEFAULT_TIME_COST, "m_kib": DEFAULT_MEMORY_COST, "p": DEFAULT_PARALLELISM}


def run_peer(duration: str, flows: int) -> dict:
    """The peer's own script (pinned like us), then an SSO flow against it."""
    env = {**os.environ, "PIN": "1", "C": "16", "T": "1", "D": duration, "N": str(flows)}
    script = PEER / "run_peer_bench.sh"
    proc = subprocess.Popen(["bash", str(script)], env=env, stdout=subprocess.PIPE, text=True)
    out = proc.communicate()[0]
    print(out, end="")
    result: dict = {}
    for line in out.splitlines():
        m = re.match(r"(\w+)\s+([\d.]+) req/s\s+p50\s+(\S+)\s+p99\s+(\S+)\s+srv-cpu\s+\d+%\s+"
                     r"([\d.]+) us/req", line)
        if m:
            result[m.group(1)] = {"rps": float(m.group(2)), "p50": m.group(3), "p99": m.group(4),
                                  "cpu_us": float(m.group(5))}
        m = re.match(r"flows: \d+ in [\d.]+s = ([\d.]+) flows/s.*server CPU ([\d.]+) ms/flow", line)
        if m:
            result["flow_full"] = {"flows_s": float(m.group(1)), "cpu_ms": float(m.group(2))}
    result["flow_sso"] = peer_sso(flows)
    return result


def peer_sso(flows: int) -> dict | None:
    """SSO flows against the peer: sign in and consent once, then authorize → code → token → userinfo."""
    work = Path(os.environ.get("WORK", "/tmp/peerbench"))  # noqa: S108 - the peer script's default
    port = free_port()
    proc = subprocess.Popen(["taskset", "-c", "1", "node", "peer.mjs"], cwd=work,
                            env={**os.environ, "PORT": str(port)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(base + "/.well-known/openid-configuration", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        client = FlowClient(base, "bench", "benchsecret", "openid email")
        client.flow(peer_login)  # sign in + consent once
        try:
            return client.run(flows, lambda: process_tree_cpu(proc.pid))
        except RuntimeError:
            return None  # the peer asked again (no remembered grant)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--db", default=None, help="IDP database URL (default: fresh SQLite)")
    args = parser.parse_args()

    idp = Idp(args.db)
    idp.prepare()
    lua = idp.tmp / "token.lua"
    basic = base64.b64encode(f"bench:{idp.secret}".encode()).decode()
    lua.write_text('wrk.method = "POST"\nwrk.body = "grant_type=client_credentials"\n'
                   'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                   f'wrk.headers["Authorization"] = "Basic {basic}"\n')
    print(f"# IdP | {os.cpu_count()} cpu | load {os.getloadavg()[0]:.2f} | wrk -t1 -c16 "
          f"-d{args.duration} | gunicorn 1 worker (gthread, 4 threads) pinned to CPU 1")
    ours: dict = {}
    # Every request comes from 127.0.0.1: lift the per-IP sign-in rate limit for the run.
    bench_config = {"LOGIN_RATE_LIMIT": "1000000 per minute"}
    idp.start(workers=1, cpus="1", config=bench_config)
    try:
        meta = requests.get(idp.url + "/.well-known/openid-configuration", timeout=10).json()
        for name, url, script in (("discovery", idp.url + "/.well-known/openid-configuration",
                                   None), ("jwks", meta["jwks_uri"], None),
                                  ("token_cc", meta["token_endpoint"], str(lua))):
            ours[name] = wrk(name, url, idp.cpu, args.duration, script)
            r = ours[name]
            print(f"{name:10s} {r['rps']:9.0f} req/s  p50 {r['p50']:7.2f}ms  p99 {r['p99']:7.2f}ms"
                  f"  {r['cpu_us']:6.0f} us CPU/req  non2xx {r['errors']}")
        client = FlowClient(idp.url, "bench", idp.secret, "openid email")
        ours["flow_sso"] = client.run(args.flows, idp.cpu, idp_login)
        full = FlowClient(idp.url, "bench", idp.secret, "openid email")
        ours["flow_full"] = full.run(max(args.flows // 2, 20), idp.cpu, idp_login,
                                     fresh_session=True)
        for name in ("flow_sso", "flow_full"):
            r = ours[name]
            print(f"{name:10s} {r['flows_s']:9.1f} flows/s  p50 {r['p50']:6.1f}ms  p99 "
                  f"{r['p99']:6.1f}ms  {r['cpu_ms']:6.1f} ms server CPU/flow")
    finally:
        idp.stop()
    rate, params = argon2_per_core()
    ours["argon2"] = rate
    full_logins = 1000 / ours["flow_full"]["cpu_ms"]
    print(f"argon2id t={params['t']} m={params['m_kib']} KiB p={params['p']}: {rate:.1f} "
          f"verifications/s per core; full login flows per core (server CPU): {full_logins:.1f}/s")

    idp.start(workers=1, cpus="1", config={**bench_config, "OIDC_ACCESS_TOKEN_ALG": "ES256"})
    try:
        ours["token_cc_es256"] = r = wrk("token_cc", meta["token_endpoint"], idp.cpu,
                                         args.duration, str(lua))
        print(f"token_cc with ES256 access tokens: {r['rps']:.0f} req/s  p99 {r['p99']:.2f}ms  "
              f"{r['cpu_us']:.0f} us CPU/req")
    finally:
        idp.stop()

    cores = os.cpu_count() or 1
    idp.start(workers=cores, cpus=None)
    try:
        allc = wrk("token_cc", meta["token_endpoint"].replace(meta["issuer"], idp.url), idp.cpu,
                   args.duration, str(lua), pin=False)
        print(f"all cores: token_cc {allc['rps']:.0f} req/s  p99 {allc['p99']:.2f}ms "
              f"({cores} workers, wrk unpinned on the same {cores} cores)")
    finally:
        idp.stop()

    if args.no_peer:
        return
    print("# peer (oidc-provider), same settings")
    peer = run_peer(args.duration, args.flows)
    if peer.get("flow_sso"):
        r = peer["flow_sso"]
        print(f"peer flow_sso {r['flows_s']:.1f} flows/s  {r['cpu_ms']:.1f} ms server CPU/flow")
    print("# ratios IdP / peer (throughput: higher is better; CPU per request: lower is better)")
    for name in ("discovery", "jwks", "token_cc", "token_cc_es256"):
        if name.split("_es")[0] in peer:
            theirs = peer[name.split("_es")[0]]
            print(f"{name:10s} throughput x{ours[name]['rps'] / theirs['rps']:.2f}   "
                  f"CPU/req x{ours[name]['cpu_us'] / theirs['cpu_us']:.2f}")
    for name in ("flow_full", "flow_sso"):
        if peer.get(name):
            print(f"{name:10s} throughput x{ours[name]['flows_s'] / peer[name]['flows_s']:.2f}   "
                  f"CPU/flow x{ours[name]['cpu_ms'] / peer[name]['cpu_ms']:.2f}")


if __name__ == "__main__":
    main()
