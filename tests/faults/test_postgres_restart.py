"""PostgreSQL restarted under load: clean 503 pages during the gap, recovery without a restart.

A private cluster (initdb in a temporary directory, a free port) serves a real
gunicorn gradebook (two workers × four threads) while families read their pages;
the test stops the cluster for a few seconds and starts it again.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from gradebook_service import create_app
from gradebook_service.accounts.access import SESSION_KEY, SESSION_VERSION_KEY, open_session
from gradebook_service.extensions import db
from shared.session_records import SID_KEY
from tests.conftest import base_config
from tests.faults.servers import PrivatePostgres
from tests.gradebook.accounts_factories import (
    make_class,
    make_family,
    make_ready,
    make_school,
    parent_accounts,
)
from tests.support.live import ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240),
              pytest.mark.one_backend("starts its own PostgreSQL cluster whatever --db says")]

POLISH_503 = "Dziennik jest chwilowo niedostępny"
PAGES = ("/family/grades", "/family/attendance", "/family/homework", "/healthz")


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres().init()
    try:
        yield cluster.start()
    finally:
        cluster.remove()


def prepare(url: str, families: int) -> tuple[str, list[str]]:
    """Migrate the private database and sign ``families`` parents in; their cookies."""
    from flask_migrate import upgrade

    app = create_app(base_config(url, "gradebook"))
    with app.app_context():
        upgrade()
        school_class = make_class(make_school())
        accounts = [parent_accounts(make_family(school_class))[0] for _ in range(families)]
        for account in accounts:
            make_ready(account)
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = [serializer.dumps({SESSION_KEY: a.id, SESSION_VERSION_KEY: a.session_version,
                                     SID_KEY: open_session(a)}) for a in accounts]
        db.session.commit()
        db.engine.dispose()
    return app.config["SESSION_COOKIE_NAME"], cookies


def test_requests_fail_cleanly_during_the_gap_and_recover(private_postgres, tmp_path):
    url = private_postgres.create_database("gradebook")
    cookie_name, cookies = prepare(url, families=8)
    server = ServiceProcess("gradebook", {
        "SECRET_KEY": base_config(url, "gradebook")["SECRET_KEY"],
        "EDZ_INSTANCE_DIR": str(tmp_path), "GRADEBOOK_DATABASE_URL": url,
        "MAIL_BACKGROUND_SENDER": "0"}, workers=2).start(timeout=120)
    pid = server.process.pid
    results: list[tuple[float, str, int, str]] = []
    stop = threading.Event()

    def family(cookie: str) -> None:
        with requests.Session() as http:
            http.cookies.set(cookie_name, cookie)
            n = 0
            while not stop.is_set():
                path = PAGES[n % len(PAGES)]
                n += 1
                try:
                    response = http.get(server.url + path, timeout=30, allow_redirects=False)
                except requests.RequestException as exc:  # a refused connection is a failure too
                    results.append((time.monotonic(), path, 0, type(exc).__name__))
                    continue
                results.append((time.monotonic(), path, response.status_code, response.text))
                time.sleep(0.05)

    def wait_until(predicate, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not predicate():
            time.sleep(0.2)

    def all_fine_since(moment: float) -> bool:
        recent = [r for r in list(results) if r[0] > moment]
        return len(recent) >= 2 * len(cookies) and {r[2] for r in recent} == {200}

    try:
        with ThreadPoolExecutor(max_workers=len(cookies)) as pool:
            for cookie in cookies:
                pool.submit(family, cookie)
            wait_until(lambda: len(results) >= 2 * len(cookies), 60)  # everyone is reading
            down_at = time.monotonic()
            private_postgres.stop("fast")
            wait_until(lambda: any(r[2] != 200 for r in list(results) if r[0] > down_at), 30)
            time.sleep(2)
            private_postgres.start()
            up_at = time.monotonic()
            # Recovered: a stretch of only successful answers, each family at least twice.
            wait_until(lambda: all_fine_since(time.monotonic() - 3) and
                       time.monotonic() > up_at + 3, 60)
            recovered_at = time.monotonic()
            stop.set()
    finally:
        stop.set()
        log = server.log_path.read_text()
        server.stop()

    before = [r for r in results if r[0] < down_at]
    assert before and {r[2] for r in before} == {200}, before[:5]
    assert {r[2] for r in results} <= {200, 503}, sorted({(r[2], r[1]) for r in results})
    failed = [r for r in results if r[2] == 503]
    assert failed, "the gap was not observed"
    for _, path, _, body in failed:
        assert ('"unavailable"' in body) if path == "/healthz" else (POLISH_503 in body), body[:300]
    last = [r for r in results if recovered_at - 3 < r[0] <= recovered_at]
    assert last and {r[2] for r in last} == {200}, sorted({(r[2], r[1]) for r in last})
    assert server.process.pid == pid  # the same processes recovered by themselves
    assert "Traceback" not in log
