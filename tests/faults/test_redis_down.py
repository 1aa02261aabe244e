"""Redis down: credential checks fail closed, reading the register goes on.

The gradebook keeps its throttle counters and request quotas in a private Redis;
the test stops it mid-way and starts it again.
"""

from __future__ import annotations

import pytest

from gradebook_service import create_app
from gradebook_service.extensions import db
from tests.conftest import base_config
from tests.faults.servers import PrivateRedis
from tests.gradebook.accounts_factories import (
    make_class,
    make_family,
    make_ready,
    make_school,
    parent_accounts,
    sign_in,
)
from tests.support.client import BrowserLikeClient
from tests.support.databases import empty_tables

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120),
              pytest.mark.one_backend("what fails is Redis; throttle counters kept in the "
                                      "database run on both in tests/shared/test_ratelimit.py")]

REFUSED = "Zbyt wiele nieudanych prób. Odczekaj kilka minut i spróbuj ponownie."


@pytest.fixture
def redis_server(tmp_path):
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def app_on_redis(database_urls, redis_server):
    app = create_app({**base_config(database_urls["gradebook"], "gradebook"),
                      "REDIS_URL": redis_server.url, "RATELIMIT_STORAGE_URI": redis_server.url})
    app.test_client_class = BrowserLikeClient
    with app.app_context():
        yield app
        empty_tables(db)
        db.engine.dispose()


def signed_in(response) -> bool:
    return response.status_code == 302 and "/login" not in response.headers["Location"]


def test_throttles_fail_closed_for_credentials_and_open_for_reads(app_on_redis, redis_server):
    school_class = make_class(make_school())
    account = parent_accounts(make_family(school_class))[0]
    make_ready(account)
    db.session.commit()
    reader = app_on_redis.test_client()
    assert signed_in(sign_in(reader, account))
    assert reader.get("/family/grades").status_code == 200

    redis_server.stop()
    assert reader.get("/family/grades").status_code == 200  # reading goes on
    assert reader.get("/family/attendance").status_code == 200
    newcomer = app_on_redis.test_client()
    for password in ("Spokojny7Las", "zupełnie-złe"):  # right or wrong: refused alike
        response = sign_in(newcomer, account, password)
        assert response.status_code == 401 and REFUSED in response.get_data(as_text=True)
    assert newcomer.get("/family/grades").status_code == 302  # not signed in

    redis_server.start()
    assert signed_in(sign_in(newcomer, account))
    assert newcomer.get("/family/grades").status_code == 200
