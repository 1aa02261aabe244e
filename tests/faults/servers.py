"""Private servers for fault tests: a Redis and a PostgreSQL cluster of the test's own.

Fault tests stop and restart what they depend on, so they never use the machine's
shared PostgreSQL or Redis: each starts its own on a free loopback port, in a
temporary directory, and removes it afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from shared.mailcatcher import free_port


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} within {timeout} s")


class PrivateRedis:
    """``redis-server`` on a free port, without persistence; stop and start it at will."""

    def __init__(self, workdir: Path) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed (scripts/test-services installs it)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def _ping(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(self._ping, 15, "Redis did not answer")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


class PrivatePostgres:
    """A PostgreSQL cluster made with ``initdb`` in a temporary directory, on a free port.

    Run as the ``postgres`` user (``runuser``) when the tests run as root, as
    PostgreSQL refuses to run as root. Trust authentication on loopback only.
    """

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            pytest.fail("PostgreSQL is not installed (scripts/test-services installs it)")
        self.bin = Path(bins[-1]).parent
        self.port = free_port()
        # Its own directory right under /tmp: pytest's tmp_path is closed to other users.
        self.workdir = Path(tempfile.mkdtemp(prefix="edz-fault-pg-"))
        self.datadir = self.workdir / "pgdata"
        self.user = "postgres" if os.geteuid() == 0 else None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [*(["runuser", "-u", self.user, "--"] if self.user else []), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and result.returncode:
            raise RuntimeError(f"{args[0]} failed: {result.stdout[-1500:]} {result.stderr[-1500:]}")
        return result

    def init(self) -> PrivatePostgres:
        if self.user:
            shutil.chown(self.workdir, self.user)
        self._run(str(self.bin / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        return self

    def start(self) -> PrivatePostgres:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.datadir), "-l",
                  str(self.workdir / "postgres.log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c max_connections=60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop",
                  check=False)

    def remove(self) -> None:
        """Stop the cluster and delete its files."""
        self.stop("immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def create_database(self, name: str) -> str:
        import sqlalchemy as sa

        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)
