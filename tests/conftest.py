"""Fixtures shared by every suite: database backend, apps, clients, a real SMTP server.

Select the database with ``--db sqlite|postgresql`` (or ``EDZ_TEST_DB``).
Fixtures are layered as in Flask's tutorial: ``*_app`` → ``*_client``.
"""

from __future__ import annotations

import os

import pytest

from shared.mailcatcher import MailCatcher
from tests.support.client import BrowserLikeClient
from tests.support.databases import database_url, empty_tables

os.environ.setdefault("EDZ_INSTANCE_DIR", "/tmp/edz-test-instance")  # never the developer's

#: Cheap argon2id for tests, set through the same configuration production uses.
FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}


def pytest_addoption(parser):
    parser.addoption("--db", choices=("sqlite", "postgresql"),
                     default=os.environ.get("EDZ_TEST_DB", "sqlite"),
                     help="database backend for the suite (default: sqlite or $EDZ_TEST_DB)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--db") != "postgresql":
        skip = pytest.mark.skip(reason="needs --db postgresql")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


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
    return urls


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
