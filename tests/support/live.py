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
    """One service under gunicorn (1 worker, 4 threads) with its own environment."""

    def __init__(self, service: str, env: dict[str, str], port: int | None = None) -> None:
        self.service = service
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
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
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
            except requests.ConnectionError:
                pass
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
