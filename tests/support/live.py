"""Both services as real processes (gunicorn on loopback), for cross-service and browser tests.

    proc = ServiceProcess("idp", port, env).start()   # waits for /healthz
    proc.url  -> "http://127.0.0.1:PORT"
    proc.flask("clients", "create", ...)               # the service's CLI with the same env
    proc.stop()

The processes use the same test databases as the in-process fixtures, so a test
can prepare data through an app fixture and drive the live service over HTTP.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from shared.mailcatcher import free_port

ROOT = Path(__file__).resolve().parents[2]
APPS = {"idp": "idp", "gradebook": "gradebook_service"}
LOG_DIR = ROOT / "test-artifacts" / "logs"


class ServiceProcess:
    """One service under gunicorn (1 worker by default, 4 threads) with its own environment."""

    def __init__(self, service: str, env: dict[str, str], port: int | None = None,
                 workers: int = 1) -> None:
        self.service = service
        self.workers = workers
        self.module = APPS[service]
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen | None = None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{service}-{self.port}.log"

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        """Start gunicorn and wait until ``/healthz`` answers."""
        log = open(self.log_path, "wb")  # noqa: SIM115 - kept open for the process's life
        self._log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--threads", "4",
             "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "-",
             f"{self.module}:create_app()"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.service} exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or busy starting up on a loaded machine
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.service} did not start: {self.log_path.read_text()[-3000:]}")

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``flask --app <service> ARGS`` with this service's environment."""
        return subprocess.run([sys.executable, "-m", "flask", "--app", self.module, *args],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, check=check)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None) is not None:
            self._log.close()  # an unclosed file is a ResourceWarning, and warnings are errors
            self._log = None


class LiveStack:
    """The whole system as real processes: mail catcher, IdP and gradebook.

    It has databases of its own (not emptied between tests, like a deployed system),
    so tests that use it create data with unique e-mails and logins. The gradebook is
    registered at the IdP as in the demo, and the demo school is loaded.
    """

    def __init__(self, idp_db_url: str, gradebook_db_url: str, instance_dir: Path) -> None:
        from shared.mailcatcher import MailCatcher

        self.mail = MailCatcher()
        self.idp_port, self.gradebook_port = free_port(), free_port()
        self.idp_url = f"http://127.0.0.1:{self.idp_port}"
        self.gradebook_url = f"http://127.0.0.1:{self.gradebook_port}"
        self.env = {
            "SECRET_KEY": "live-stack-secret", "EDZ_INSTANCE_DIR": str(instance_dir),
            "IDP_DATABASE_URL": idp_db_url, "GRADEBOOK_DATABASE_URL": gradebook_db_url,
            "IDP_ISSUER": self.idp_url, "GRADEBOOK_URL": self.gradebook_url,
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(self.mail.smtp_port),
            "MAIL_BACKGROUND_SENDER": "1",
        }
        self.idp = ServiceProcess("idp", self.env, self.idp_port)
        self.gradebook: ServiceProcess | None = None
        self.client: dict = {}
        self.people: list[dict] = []

    def start(self) -> LiveStack:
        import json

        self.mail.start()
        self.idp.flask("db", "upgrade")
        self.client = json.loads(self.idp.flask(
            "clients", "create", "--name", "E-dziennik", "--client-id", "gradebook",
            "--first-party", "--rotate-secret", "--redirect-uri", f"{self.gradebook_url}/auth/callback",
            "--post-logout-redirect-uri", f"{self.gradebook_url}/",
            "--scope", "openid profile email school offline_access").stdout)
        self.env["GRADEBOOK_OIDC_CLIENT_ID"] = self.client["client_id"]
        self.env["GRADEBOOK_OIDC_CLIENT_SECRET"] = self.client["client_secret"]
        self.gradebook = ServiceProcess("gradebook", self.env, self.gradebook_port)
        self.gradebook.flask("db", "upgrade")
        self.people = json.loads(self.gradebook.flask(
            "seed-demo", "--json", "--levels", "1,4,7", "--sections", "a",
            "--pupils-per-class", "6").stdout)
        self.idp.start()
        self.gradebook.start()
        return self

    def person(self, **match) -> dict:
        """The first demo person whose fields equal ``match`` (e.g. role="parent")."""
        return next(p for p in self.people if all(p.get(k) == v for k, v in match.items()))

    def stop(self) -> None:
        for proc in (self.gradebook, self.idp):
            if proc is not None:
                proc.stop()
        self.mail.stop()
