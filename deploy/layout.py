"""The production layout on one machine: two processes of each service behind nginx.

    deploy/up   [--seed "--levels 1,4,7 --sections a --pupils-per-class 6"] [--set KEY=VALUE ...]
    deploy/down [--purge]

``up`` brings up, from Debian's packages and this checkout's ``.venv``:

* PostgreSQL: a role and two databases of their own (``<name>_idp``,
  ``<name>_gradebook``) in the PostgreSQL at ``EDZ_DEPLOY_PG_ADMIN`` (default: the
  machine's, ``postgresql://postgres@127.0.0.1:5432/postgres``), migrated;
* Redis: a private ``redis-server`` (no persistence) for throttles and caches;
* a mail catcher (the real SMTP server of the tests) standing in for the school's SMTP relay;
* the IdP and the gradebook, each as two gunicorn processes (stateless: sessions,
  throttles and signing keys live in PostgreSQL and Redis), every process delivering
  the outbox (the outbox's claims make several senders safe);
* one more gradebook process that serves only the back-channel (``/internal/``, the
  IdP's check of school credentials): a registration must not wait for its credential
  check behind parents' pages queued at the page processes' threads;
* nginx balancing each service over its two processes (round robin), ``/internal/``
  to the back-channel process, the only address a browser uses; the services trust its
  ``X-Forwarded-For`` (``TRUSTED_PROXIES=1``);
* the gradebook registered as the IdP's client, and the demo school seeded once.

It prints the addresses, and ``state.json`` in the state directory holds them for
tools (``bench/``, the smoke test). Everything it starts runs in its own process
group and is recorded with its pid; ``down`` stops exactly those. Names and ports come
from ``EDZ_DEPLOY_NAME`` (default ``edz_deploy``), ``EDZ_DEPLOY_PORT_BASE`` (default
8300: gradebook on 8300, IdP on 8301, see ``ports()``), ``EDZ_DEPLOY_STATE`` (default
``deploy/run``) and ``EDZ_DEPLOY_WORKERS`` (gunicorn workers per process, default 1 —
two processes × one worker fill the two cores of the project's machines).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PROCESSES_PER_SERVICE = 2
#: Timeouts, innermost first, so the innermost gives up first and answers cleanly: the
#: IdP's back-channel call (BACKCHANNEL_TIMEOUT, read 8 s) < nginx's wait for the
#: back-channel process (10 s) < nginx's wait for a page (60 s, proxy.conf's readers:
#: ``nginx_conf``) < a browser's patience (the load client: 120 s).
INTERNAL_READ_TIMEOUT = "10s"
PAGE_READ_TIMEOUT = "60s"
DEFAULT_SEED = "--levels 1,4,7 --sections a --pupils-per-class 6"


class DeployError(Exception):
    """A step that cannot go on; ``main`` prints it as one line and exits 1."""


def settings() -> dict:
    name = os.environ.get("EDZ_DEPLOY_NAME", "edz_deploy")
    if not name.replace("_", "").isalnum():
        raise DeployError(f"EDZ_DEPLOY_NAME must be letters, digits and _ (got {name!r})")
    return {
        "name": name,
        "base": int(os.environ.get("EDZ_DEPLOY_PORT_BASE", "8300")),
        "state": Path(os.environ.get("EDZ_DEPLOY_STATE", ROOT / "deploy" / "run")).resolve(),
        "pg_admin": os.environ.get("EDZ_DEPLOY_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"),
        "workers": int(os.environ.get("EDZ_DEPLOY_WORKERS", "1")),
    }


def ports(base: int) -> dict:
    """Every port of the layout, from one base (none of them the demo's 5000/5001/1025/8025)."""
    return {
        "gradebook": base, "idp": base + 1, "smtp": base + 2, "mail_web": base + 3, "redis": base + 4,
        "idp_processes": [base + 10 + i for i in range(PROCESSES_PER_SERVICE)],
        "gradebook_processes": [base + 20 + i for i in range(PROCESSES_PER_SERVICE)],
        "gradebook_internal_processes": [base + 15],
    }


# --- processes ---------------------------------------------------------------------------

def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        # As the servers bind: a port in TIME_WAIT from the previous run is free to them.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _start(state: Path, label: str, argv: list[str], env: dict | None = None) -> int:
    """Start ``argv`` in a process group of its own, log to ``logs/<label>.log``, record its pid."""
    (state / "logs").mkdir(parents=True, exist_ok=True)
    (state / "pids").mkdir(parents=True, exist_ok=True)
    with open(state / "logs" / f"{label}.log", "ab") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    (state / "pids" / f"{label}.pid").write_text(str(proc.pid))
    return proc.pid


def _wait_http(url: str, label: str, state: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback URL
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.2)
    log = state / "logs" / f"{label}.log"
    tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
    raise DeployError(f"{label} did not answer at {url} within {timeout:.0f} s; its log ends:\n{tail}")


def _wait_port(port: int, label: str, timeout: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise DeployError(f"{label} is not listening on 127.0.0.1:{port}")


def stop_all(state: Path) -> list[str]:
    """Stop every process ``up`` recorded (its process group), nginx and gunicorn gracefully."""
    stopped = []
    pid_dir = state / "pids"
    if not pid_dir.is_dir():
        return stopped
    for pid_file in sorted(pid_dir.glob("*.pid")):
        pid = int(pid_file.read_text())
        try:
            os.killpg(pid, signal.SIGTERM if not pid_file.stem.startswith("nginx") else signal.SIGQUIT)
        except ProcessLookupError:
            pid_file.unlink()
            continue
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                break
            _reap(pid)
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        pid_file.unlink()
        stopped.append(pid_file.stem)
    return stopped


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):  # not our child (an earlier `up`): init reaps it
        os.waitpid(pid, os.WNOHANG)


# --- the parts ---------------------------------------------------------------------------

def _need(binary: str, package: str) -> str:
    """The path of ``binary``; installs Debian's ``package`` when missing and running as root."""
    found = shutil.which(binary) or next(
        (str(p) for p in Path("/usr/sbin").glob(binary) if p.exists()), None)
    if found:
        return found
    if os.geteuid() != 0:
        raise DeployError(f"{binary} is missing: install Debian's {package} (apt-get install {package})")
    print(f"==> installing {package} from Debian's packages", flush=True)
    subprocess.run(["/usr/bin/apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq", package],
                   check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    found = shutil.which(binary) or (f"/usr/sbin/{binary}" if Path(f"/usr/sbin/{binary}").exists() else None)
    if not found:
        raise DeployError(f"{binary} still missing after installing {package}")
    return found


def prepare_database(cfg: dict) -> dict:
    """A role and two databases of the layout's own in the machine's PostgreSQL."""
    import psycopg
    from psycopg import sql

    name = cfg["name"]
    try:
        admin = psycopg.connect(cfg["pg_admin"], autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise DeployError(f"PostgreSQL not reachable at {cfg['pg_admin']} ({str(exc).strip()}): "
                          "install and start Debian's postgresql, or set EDZ_DEPLOY_PG_ADMIN") from None
    with admin:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
        for suffix in ("idp", "gradebook"):
            db = f"{name}_{suffix}"
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone():
                admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(db), sql.Identifier(name)))
    host = cfg["pg_admin"].split("@", 1)[-1].split("/", 1)[0]
    return {s: f"postgresql://{name}@{host}/{name}_{s}" for s in ("idp", "gradebook")}


def drop_database(cfg: dict) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(cfg["pg_admin"], autocommit=True, connect_timeout=5) as admin:
        for suffix in ("idp", "gradebook"):
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(f"{cfg['name']}_{suffix}")))
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(cfg["name"])))


#: nginx keeps idle upstream connections to the IdP's granian for less than granian's
#: 60 s header-read timeout (deploy/nginx/e-dziennik.conf says the same).
IDP_KEEPALIVE_TIMEOUT = "50s"


def server_command(module: str, port: int, workers: int) -> list[str]:
    """The HTTP server of one process: granian for the IdP, gunicorn gthread for the register.

    Measured in docs/benchmarks.md (issue 16): granian's own cost per request is ~30 µs
    against gunicorn gthread's ~230 µs, which decides the IdP's small protocol answers
    (discovery, JWKS, tokens); the register's pages cost the same on both, and gunicorn
    keeps its per-request ``--timeout`` that recycles a stuck worker.
    """
    if module == "idp":
        return [str(VENV / "granian"), "--interface", "wsgi", "--factory",
                "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                "--blocking-threads", "4", "--backpressure", "64", "--http", "1", "--no-ws",
                "--access-log",
                # granian's longest (60 s), above nginx's upstream keepalive_timeout
                # for the IdP (IDP_KEEPALIVE_TIMEOUT): the balancer, not the server,
                # closes an idle kept-alive connection (else a reset, a 502 for a POST).
                "--http1-header-read-timeout", "60000",
                "--workers-kill-timeout", "10", "--respawn-failed-workers", "idp:create_app"]
    return [str(VENV / "gunicorn"), "--workers", str(workers), "--threads", "4",
            "--bind", f"127.0.0.1:{port}", "--access-logfile", "-",
            # Longer than nginx's upstream keepalive_timeout (60 s): if gunicorn
            # closed an idle kept-alive connection first, a request nginx sent on
            # it meanwhile got a reset — a 502 for a POST (seen under load).
            "--keep-alive", "75", "--no-control-socket",
            "--graceful-timeout", "10", f"{module}:create_app()"]


def nginx_conf(state: Path, p: dict) -> str:
    """The local balancer: the same upstream/proxy settings as deploy/nginx/e-dziennik.conf, no TLS."""
    template = (ROOT / "deploy" / "nginx" / "proxy.conf").read_text().strip().splitlines()

    def upstream(name: str, ports: list[int]) -> str:
        servers = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;\n" for port in ports)
        idle = IDP_KEEPALIVE_TIMEOUT if name == "edz_idp" else "60s"
        return f"upstream {name} {{\n{servers}    keepalive 32;\n    keepalive_timeout {idle};\n}}\n"

    def location(path: str, name: str, read_timeout: str) -> str:
        return (f"    location {path} {{\n        proxy_pass http://{name};\n"
                + "".join(f"        {line}\n" for line in template)
                + f"        proxy_read_timeout {read_timeout};\n    }}\n")

    blocks = [upstream("edz_gradebook_internal", p["gradebook_internal_processes"])]
    for service in ("idp", "gradebook"):
        internal = (location("/internal/", "edz_gradebook_internal", INTERNAL_READ_TIMEOUT)
                    if service == "gradebook" else "")
        blocks.append(
            upstream(f"edz_{service}", p[f"{service}_processes"])
            + f"server {{\n    listen 127.0.0.1:{p[service]};\n    server_name _;\n"
            + internal + location("/", f"edz_{service}", PAGE_READ_TIMEOUT) + "}\n")
    return (
        "worker_processes 2;\n"
        f"pid {state}/nginx.pid;\n"
        f"error_log {state}/logs/nginx-error.log warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n"
        f"    access_log {state}/logs/nginx-access.log;\n"
        + "".join(f"    {kind}_temp_path {state}/nginx-tmp/{kind};\n"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + "    client_max_body_size 6m;\n"
        + "".join("    " + line + "\n" for block in blocks for line in block.splitlines())
        + "}\n")


PREPARE_INTERNAL_CLIENT = """
from idp import create_app
from idp.extensions import db
from idp.oidc.service_tokens import issue_service_access_token
app = create_app()
with app.test_request_context():
    issue_service_access_token("school_accounts.verify")
    db.session.commit()
"""


#: A bearer token with an access token's header and no valid signature: the
#: back-channel fetches the IdP's keys to check it, then refuses it (401).
WARM_UP_TOKEN = ".".join(base64.urlsafe_b64encode(part).decode().rstrip("=") for part in (
    b'{"typ":"at+jwt","alg":"RS256","kid":"warm-up"}', b"{}", b"warm-up"))


def warm_backchannel(port: int) -> None:
    """Make a back-channel process fetch the IdP's keys before the first family registers.

    Its first credential check would fetch them from the IdP while IdP threads wait for
    that check: with every IdP thread holding a registration (a burst at the first
    minute), the fetch found no free thread, timed out and the registration failed
    with 503 (seen at the 8:00 peak's start). Afterwards the keys are cached.
    """
    request = Request(f"http://127.0.0.1:{port}/internal/v1/school-accounts/verify", method="POST",
                      data=b'{"login": "", "password": ""}',
                      headers={"Authorization": f"Bearer {WARM_UP_TOKEN}",
                               "Content-Type": "application/json"})
    try:
        urlopen(request, timeout=30)  # noqa: S310 - our own loopback URL
    except HTTPError as refused:
        if refused.code == 401:
            return
        raise DeployError(f"back-channel warm-up on {port}: HTTP {refused.code}") from None
    raise DeployError(f"back-channel on {port} accepted a token without a signature")


def _run(argv: list[str], env: dict) -> str:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise DeployError(f"{' '.join(argv[:3])} … failed: {(done.stderr or done.stdout).strip()[-1500:]}")
    return done.stdout


def up(seed: str, overrides: list[str]) -> dict:
    cfg = settings()
    state: Path = cfg["state"]
    p = ports(cfg["base"])
    state.mkdir(parents=True, exist_ok=True)
    if (state / "pids").is_dir() and any((state / "pids").iterdir()):
        raise DeployError(f"already up (pids in {state}/pids): run deploy/down first")
    if not (VENV / "gunicorn").exists():
        raise DeployError(f"{VENV} is missing: run scripts/bootstrap first")
    nginx = _need("nginx", "nginx-light")
    redis = _need("redis-server", "redis-server")
    busy = [port for port in (p["gradebook"], p["idp"], p["smtp"], p["mail_web"], p["redis"],
                              *p["idp_processes"], *p["gradebook_processes"],
                              *p["gradebook_internal_processes"]) if not _port_free(port)]
    if busy:
        raise DeployError(f"ports in use: {busy} (choose another EDZ_DEPLOY_PORT_BASE)")
    urls = prepare_database(cfg)

    secret_file = state / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    idp_url, gradebook_url = f"http://127.0.0.1:{p['idp']}", f"http://127.0.0.1:{p['gradebook']}"
    env = {
        "PATH": f"{VENV}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
        "SECRET_KEY": secret_file.read_text().strip(),
        "EDZ_INSTANCE_DIR": str(state / "instance"),
        "IDP_DATABASE_URL": urls["idp"], "GRADEBOOK_DATABASE_URL": urls["gradebook"],
        "IDP_ISSUER": idp_url, "GRADEBOOK_URL": gradebook_url,
        "REDIS_URL": f"redis://127.0.0.1:{p['redis']}/0",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(p["smtp"]),
        "MAIL_BACKGROUND_SENDER": "1", "TRUSTED_PROXIES": "1",
    }
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise DeployError(f"--set wants KEY=VALUE (got {item!r})")
        env[key] = value

    def flask(app: str, *args: str) -> str:
        return _run([str(VENV / "flask"), "--app", app, *args], env)

    try:
        print("==> redis, mail catcher", flush=True)
        _start(state, "redis", [redis, "--port", str(p["redis"]), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(state)])
        _start(state, "mail", [str(VENV / "python"), "-m", "shared.mailcatcher", "--smtp-port",
                               str(p["smtp"]), "--http-port", str(p["mail_web"])], env)
        _wait_port(p["redis"], "redis")
        print("==> migrating PostgreSQL", flush=True)
        flask("idp", "db", "upgrade")
        flask("gradebook_service", "db", "upgrade")
        # The first signing keys, before any IdP process starts. Processes that find no
        # key at their first token no longer each create their own (a partial unique
        # index keeps one active key per algorithm, idp/oidc/keys.py); made here the
        # first requests need not wait for key generation.
        if not json.loads(flask("idp", "keys", "list")):
            flask("idp", "keys", "rotate")
        # Likewise the IdP's internal client (the back-channel's client credentials),
        # made at its first service token (inserted ON CONFLICT DO NOTHING, so two
        # processes racing to insert it both use the one row).
        _run([str(VENV / "python"), "-c", PREPARE_INTERNAL_CLIENT], env)
        client = json.loads(flask(
            "idp", "clients", "create", "--name", "E-dziennik", "--client-id", "gradebook",
            "--first-party", "--rotate-secret", "--redirect-uri", f"{gradebook_url}/auth/callback",
            "--post-logout-redirect-uri", f"{gradebook_url}/",
            "--scope", "openid profile email school offline_access"))
        env["GRADEBOOK_OIDC_CLIENT_ID"] = client["client_id"]
        env["GRADEBOOK_OIDC_CLIENT_SECRET"] = client["client_secret"]
        people_file = state / "people.json"
        if seed and not people_file.exists():
            print(f"==> seeding the demo school ({seed})", flush=True)
            people_file.write_text(flask("gradebook_service", "seed-demo", "--json", *shlex.split(seed)))
        env_file = state / "edz.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in sorted(env.items())))
        env_file.chmod(0o600)

        print("==> two processes per service (IdP: granian, register: gunicorn), "
              "one for the back-channel", flush=True)
        processes = [(f"{service}-{i}", module, port)
                     for service, module in (("idp", "idp"), ("gradebook", "gradebook_service"))
                     for i, port in enumerate(p[f"{service}_processes"], 1)]
        processes += [(f"gradebook-internal-{i}", "gradebook_service", port)
                      for i, port in enumerate(p["gradebook_internal_processes"], 1)]
        for label, module, port in processes:
            _start(state, label, server_command(module, port, cfg["workers"]), env)
        for label, _module, port in processes:
            _wait_http(f"http://127.0.0.1:{port}/healthz", label, state)

        print("==> nginx", flush=True)
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (state / "nginx-tmp" / kind).mkdir(parents=True, exist_ok=True)
        conf = state / "nginx.conf"
        conf.write_text(nginx_conf(state, p))
        check = subprocess.run([nginx, "-t", "-q", "-p", str(state), "-c", str(conf)],
                               capture_output=True, text=True)
        if check.returncode:
            raise DeployError(f"nginx -t: {check.stderr.strip()}")
        _start(state, "nginx", [nginx, "-p", str(state), "-c", str(conf), "-g", "daemon off;"])
        _wait_http(f"{gradebook_url}/healthz", "nginx", state)
        _wait_http(f"{idp_url}/healthz", "nginx", state)
        for port in p["gradebook_internal_processes"]:
            warm_backchannel(port)
    except BaseException:
        stop_all(state)
        raise

    info = {
        "gradebook_url": gradebook_url, "idp_url": idp_url,
        "mail_url": f"http://127.0.0.1:{p['mail_web']}", "smtp": f"127.0.0.1:{p['smtp']}",
        "redis_url": env["REDIS_URL"], "databases": urls, "ports": p,
        "env_file": str(env_file), "people_file": str(people_file) if people_file.exists() else None,
        "logs": str(state / "logs"),
    }
    (state / "state.json").write_text(json.dumps(info, indent=2))
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="start the layout")
    up_parser.add_argument("--seed", default=DEFAULT_SEED,
                           help="seed-demo options for the first start ('' for no demo school)")
    up_parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                           help="a setting for every process (repeatable)")
    down_parser = sub.add_parser("down", help="stop the layout")
    down_parser.add_argument("--purge", action="store_true",
                             help="also drop its databases and role and delete its state directory")
    args = parser.parse_args()
    try:
        if args.command == "up":
            info = up(args.seed, args.overrides)
            print(f"gradebook (via nginx): {info['gradebook_url']}/\n"
                  f"IdP (via nginx):       {info['idp_url']}/\n"
                  f"mail catcher:          {info['mail_url']}/ (SMTP {info['smtp']})\n"
                  f"processes:             idp {info['ports']['idp_processes']}, "
                  f"gradebook {info['ports']['gradebook_processes']}, "
                  f"back-channel {info['ports']['gradebook_internal_processes']}\n"
                  f"PostgreSQL:            {info['databases']['idp']}, {info['databases']['gradebook']}\n"
                  f"Redis:                 {info['redis_url']}\n"
                  f"logins:                {info['people_file']}\n"
                  f"stop with:             deploy/down", flush=True)
        else:
            cfg = settings()
            stopped = stop_all(cfg["state"])
            print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
            if args.purge:
                drop_database(cfg)
                shutil.rmtree(cfg["state"], ignore_errors=True)
                print(f"dropped {cfg['name']}_idp, {cfg['name']}_gradebook and {cfg['state']}")
    except DeployError as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
