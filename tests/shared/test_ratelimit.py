"""Credential throttling: failures per account and per address, shared through Redis."""

import secrets

import pytest
import redis

from gradebook_service import create_app
from shared.ratelimit import credential_throttle
from tests.conftest import base_config

REDIS_URL = "redis://127.0.0.1:6379/15"


_APPS: list = []


@pytest.fixture(autouse=True)
def _close_connections():
    """The throttle's counters are in the database: close each app's pool after the test."""
    yield
    while _APPS:
        app = _APPS.pop()
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()


def _app(database_urls, **config):
    app = create_app({**base_config(database_urls["gradebook"], "gradebook"),
                      "THROTTLE_PER_ACCOUNT": "3 per 15 minutes",
                      "THROTTLE_PER_IP": "5 per 15 minutes", **config})
    _APPS.append(app)
    return app


def test_account_is_blocked_after_its_failures(database_urls):
    app = _app(database_urls)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.1"}):
        throttle = credential_throttle()
        for _ in range(3):
            assert not throttle.blocked("login", "4821937")
            throttle.failed("login", "4821937")
        assert throttle.blocked("login", "4821937")
        assert throttle.blocked("login", " 4821937 ")  # same account, however typed
        assert not throttle.blocked("login", "1111111")  # another account still may try


def test_address_is_blocked_after_failures_on_many_accounts(database_urls):
    app = _app(database_urls)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.2"}):
        throttle = credential_throttle()
        for n in range(5):
            throttle.failed("login", f"acc{n}")
        assert throttle.blocked("login", "fresh-account")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.3"}):
        assert not credential_throttle().blocked("login", "fresh-account")


def test_success_clears_the_account_counter(database_urls):
    app = _app(database_urls)
    with app.test_request_context():
        throttle = credential_throttle()
        throttle.failed("login", "a")
        throttle.failed("login", "a")
        throttle.succeeded("login", "a")
        throttle.failed("login", "a")
        throttle.failed("login", "a")
        assert not throttle.blocked("login", "a")


def test_counters_are_shared_between_processes_through_redis(database_urls):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    prefix = "t" + secrets.token_hex(4)
    config = {"REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL,
              "RATELIMIT_KEY_PREFIX": prefix}
    first, second = _app(database_urls, **config), _app(database_urls, **config)
    with first.test_request_context():
        for _ in range(3):
            credential_throttle().failed("login", "shared-account")
    with second.test_request_context():
        assert credential_throttle().blocked("login", "shared-account")
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*{prefix}*")
    assert keys and not any(b"shared-account" in key for key in keys)  # identifiers hashed


def test_counters_are_shared_between_apps_through_the_database(database_urls):
    from gradebook_service.extensions import db

    prefix = "d" + secrets.token_hex(4)
    first, second = (_app(database_urls, RATELIMIT_KEY_PREFIX=prefix) for _ in range(2))
    with first.test_request_context():
        for _ in range(3):
            credential_throttle().failed("login", "shared-account")
        db.session.commit()
    with second.test_request_context():
        assert credential_throttle().blocked("login", "shared-account")
        assert not credential_throttle().blocked("login", "another-account")
