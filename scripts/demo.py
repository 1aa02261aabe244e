"""Start the whole system on SQLite with demo data: mail catcher, IdP and gradebook.

Run through ``scripts/demo`` (README command 1). Idempotent: it can be stopped with
Ctrl-C and started again; the databases under ``instance/`` are kept (delete the
folder for a clean start).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("EDZ_INSTANCE_DIR", ROOT / "instance"))
PY = sys.executable
GRADEBOOK_URL = os.environ.get("GRADEBOOK_URL", "http://127.0.0.1:5000")
IDP_ISSUER = os.environ.get("IDP_ISSUER", "http://127.0.0.1:5001")
SMTP_PORT, MAILWEB_PORT = 1025, 8025


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


def ensure_free(port: int, what: str) -> None:
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"port {port} ({what}) is in use: stop what runs there (an earlier demo?)")


def flask(app: str, *args: str, env: dict) -> str:
    result = subprocess.run([PY, "-m", "flask", "--app", app, *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"flask --app {app} {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    return result.stdout


def wait_healthy(url: str, name: str, process: subprocess.Popen) -> None:
    for _ in range(150):
        if process.poll() is not None:
            sys.exit(f"{name} stopped; see {INSTANCE / 'logs'}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{name} did not become healthy at {url}")


def main() -> None:
    INSTANCE.mkdir(parents=True, exist_ok=True)
    (INSTANCE / "logs").mkdir(exist_ok=True)
    secret_file = INSTANCE / "secret_key"
    if not secret_file.exists():
        import secrets

        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    env = {**os.environ, "SECRET_KEY": secret_file.read_text().strip(), "EDZ_INSTANCE_DIR": str(INSTANCE),
           "IDP_ISSUER": IDP_ISSUER, "GRADEBOOK_URL": GRADEBOOK_URL, "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(SMTP_PORT), "MAIL_BACKGROUND_SENDER": "1"}
    for port, what in ((port_of(GRADEBOOK_URL), "gradebook"), (port_of(IDP_ISSUER), "IdP"),
                       (SMTP_PORT, "mail catcher SMTP"), (MAILWEB_PORT, "mail catcher web")):
        ensure_free(port, what)

    print("==> migrating the databases", flush=True)
    flask("idp", "db", "upgrade", env=env)
    flask("gradebook_service", "db", "upgrade", env=env)

    print("==> registering the gradebook at the IdP", flush=True)
    client = json.loads(flask(
        "idp", "clients", "create", "--name", "E-dziennik", "--client-id", "gradebook",
        "--first-party", "--rotate-secret", "--redirect-uri", f"{GRADEBOOK_URL}/auth/callback",
        "--post-logout-redirect-uri", f"{GRADEBOOK_URL}/",
        "--scope", "openid profile email school offline_access", env=env))
    env["GRADEBOOK_OIDC_CLIENT_ID"] = client["client_id"]
    env["GRADEBOOK_OIDC_CLIENT_SECRET"] = client["client_secret"]

    print("==> demo data", flush=True)
    people = json.loads(flask("gradebook_service", "seed-demo", "--json", env=env))

    processes = []

    def start(name: str, args: list[str]) -> subprocess.Popen:
        log = open(INSTANCE / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        return process

    def stop(*_args) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    start("mailcatcher", [PY, "-m", "shared.mailcatcher", "--smtp-port", str(SMTP_PORT),
                          "--http-port", str(MAILWEB_PORT)])
    gunicorn = [PY, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--access-logfile", "-"]
    idp = start("idp", [*gunicorn, "--bind", f"127.0.0.1:{port_of(IDP_ISSUER)}", "idp:create_app()"])
    gradebook = start("gradebook", [*gunicorn, "--bind", f"127.0.0.1:{port_of(GRADEBOOK_URL)}",
                                    "gradebook_service:create_app()"])
    wait_healthy(IDP_ISSUER, "IdP", idp)
    wait_healthy(GRADEBOOK_URL, "gradebook", gradebook)

    print()
    print("E-dziennik is running (Ctrl-C stops it):")
    print(f"  E-dziennik (gradebook)     {GRADEBOOK_URL}/")
    print(f"  Unified account (IdP)      {IDP_ISSUER}/  (register: {IDP_ISSUER}/register)")
    print(f"  Mail catcher               http://127.0.0.1:{MAILWEB_PORT}/  (SMTP 127.0.0.1:{SMTP_PORT})")
    print(f"  Logs                       {INSTANCE / 'logs'}")
    print()
    print("Demo logins (sign in at the gradebook; the first-login account asks for a new password):")
    login_width = max((len(p["login"]) for p in people), default=8) + 2
    for person in people:
        extra = f"  ({person['pupil']}, {person.get('class', '')})" if person.get("pupil") else ""
        note = f"  [{person['note']}]" if person.get("note") else ""
        if person.get("totp_secret"):
            note += f"  [TOTP key for an authenticator app: {person['totp_secret']}]"
        print(f"  {person['role']:<10} {person['login']:<{login_width}} {person['password']:<14} "
              f"{person['name']}{extra}{note}")
    print(flush=True)
    while all(p.poll() is None for p in processes):
        time.sleep(1)
    print("a process stopped; see the logs", file=sys.stderr)
    stop()


if __name__ == "__main__":
    main()
