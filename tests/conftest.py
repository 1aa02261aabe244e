"""Fixtures shared by every suite: database backend, apps, clients, a real SMTP server.

Select the database with ``--db sqlite|postgresql`` (or ``EDZ_TEST_DB``).
Fixtures are layered as in Flask's tutorial: ``*_app`` → ``*_client``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.mailcatcher import MailCatcher
from tests.support.client import BrowserLikeClient
from tests.support.databases import database_url, drop_schemas, empty_tables

os.environ.setdefault("EDZ_INSTANCE_DIR", "/tmp/edz-test-instance")  # never the developer's

#: Cheap argon2id for tests, set through the same configuration production uses.
FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}


def pytest_addoption(parser):
    parser.addoption("--db", choices=("sqlite", "postgresql"),
                     default=os.environ.get("EDZ_TEST_DB", "sqlite"),
                     help="database backend for the suite (default: sqlite or $EDZ_TEST_DB)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "one_backend(reason): the test does not depend on the --db backend (it brings "
        "its own servers, or what it breaks is not the database); it runs in the --db postgresql "
        "pass only, so CI does not run it twice")


def pytest_collection_modifyitems(config, items):
    """Skip ``one_backend`` tests, saying why, in every pass but PostgreSQL's."""
    if config.getoption("--db") == "postgresql":
        return
    for item in items:
        marker = item.get_closest_marker("one_backend")
        if marker:
            item.add_marker(pytest.mark.skip(
                reason=f"backend-independent, runs with --db postgresql only: {marker.args[0]}"))


@pytest.fixture(scope="session")
def db_backend(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def worker_id_safe(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def database_urls(db_backend, worker_id_safe, tmp_path_factory) -> dict[str, str]:
    """Migrated, empty databases for both services (built once per test session)."""
    from flask_migrate import upgrade

    tmp = tmp_path_factory.mktemp("db")
    urls = {name: database_url(db_backend, name, worker_id_safe, tmp) for name in ("idp", "gradebook")}
    for name, factory in (("idp", _idp_factory()), ("gradebook", _gradebook_factory())):
        app = factory(base_config(urls[name], name))
        with app.app_context():
            upgrade()
            app.extensions["sqlalchemy"].engine.dispose()
    yield urls
    drop_schemas(db_backend, urls, worker_id_safe)


def _idp_factory():
    from idp import create_app

    return create_app


def _gradebook_factory():
    from gradebook_service import create_app

    return create_app


def base_config(url: str, service: str) -> dict:
    """The configuration every test app starts from."""
    return {
        "TESTING": True,
        "SECRET_KEY": f"test-secret-{service}",
        "SQLALCHEMY_DATABASE_URI": url,
        "SERVER_NAME": None,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_BACKGROUND_SENDER": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        **FAST_HASHING,
    }


def _make_app(factory, url, service, request):
    config = base_config(url, service)
    marker = request.node.get_closest_marker("app_config")
    if marker:
        config.update(marker.args[0] if marker.args else marker.kwargs)
    app = factory(config)
    app.test_client_class = BrowserLikeClient
    return app


@pytest.fixture
def idp_app(database_urls, request):
    """The IdP app on an empty, migrated database (``@pytest.mark.app_config({...})`` overrides)."""
    app = _make_app(_idp_factory(), database_urls["idp"], "idp", request)
    with app.app_context():
        yield app
        empty_tables(app.extensions["sqlalchemy"])
        app.extensions["sqlalchemy"].engine.dispose()


@pytest.fixture
def gradebook_app(database_urls, request):
    """The gradebook app on an empty, migrated database."""
    app = _make_app(_gradebook_factory(), database_urls["gradebook"], "gradebook", request)
    with app.app_context():
        yield app
        empty_tables(app.extensions["sqlalchemy"])
        app.extensions["sqlalchemy"].engine.dispose()


@pytest.fixture
def idp_client(idp_app) -> BrowserLikeClient:
    return idp_app.test_client()


@pytest.fixture
def gradebook_client(gradebook_app) -> BrowserLikeClient:
    return gradebook_app.test_client()


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port, collecting mails."""
    catcher = MailCatcher().start()
    yield catcher
    catcher.stop()


@pytest.fixture(scope="session")
def live_stack(db_backend, worker_id_safe, tmp_path_factory):
    """Mail catcher + IdP + gradebook as real processes, with the demo school loaded."""
    from tests.support.live import LiveStack

    tmp = tmp_path_factory.mktemp("live")
    stack = LiveStack(database_url(db_backend, "live_idp", worker_id_safe, tmp),
                      database_url(db_backend, "live_gradebook", worker_id_safe, tmp), tmp)
    try:
        yield stack.start()
    finally:
        stack.stop()
        drop_schemas(db_backend, ("live_idp", "live_gradebook"), worker_id_safe)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium driven by Playwright (no Playwright browser download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test does it as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh browser context (no cookies) and page; desktop size, Polish preferred."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="pl-PL")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot under test-artifacts/screenshots/<test>-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png".replace("/", "_")
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
