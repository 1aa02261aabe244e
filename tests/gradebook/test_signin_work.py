"""A sign-in does only the work its security needs (issue 16): one password hash
check, the throttle counters read, and after the request a throttle write only when a
counter has something to forget. Every security step still happens (tests for
lockouts: test_security_lockout.py; device cookies, session records, audit events
below and in test_security_sessions.py).
"""

from __future__ import annotations

import pytest

from gradebook_service.core.models import ThrottleCounter
from gradebook_service.extensions import db
from tests.gradebook import accounts_factories as f
from tests.gradebook.test_register_query_counts import count_queries
from tests.gradebook.test_security_lockout import _ready_parent, _try


def _counters() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ThrottleCounter))


def _throttle_writes(statements) -> list[str]:
    return [s for s in statements if "throttle_counter" in s
            and s.lstrip().upper().startswith(("DELETE", "INSERT", "UPDATE"))]


def test_sign_in_without_failures_writes_no_throttle_counter(gradebook_app, gradebook_client):
    parent = _ready_parent()
    gradebook_client.get("/login")
    with count_queries(db.engine) as statements:
        response = gradebook_client.post("/login", data={"login": parent.login,
                                                         "password": f.PASSWORD})
    assert response.status_code == 302
    assert _throttle_writes(statements) == []
    # The browser still becomes known for the account (its own allowance next time).
    assert any("_device_" in c.key for c in gradebook_client._cookies.values())


def test_sign_in_after_a_failure_forgets_the_counted_failures(gradebook_app, gradebook_client):
    parent = _ready_parent()
    assert _try(gradebook_client, parent.login, "Zgaduje123").status_code == 401
    before = _counters()
    assert before >= 2  # the account's and the address's
    with count_queries(db.engine) as statements:
        assert _try(gradebook_client, parent.login, f.PASSWORD).status_code == 302
    assert len(_throttle_writes(statements)) == 1  # the account's failures
    assert _counters() == before - 1


@pytest.mark.app_config({"THROTTLE_PER_ACCOUNT": "3 per 15 minutes"})
def test_a_counter_read_empty_in_one_request_is_still_cleared_in_a_later_one(
        gradebook_app, gradebook_client):
    """What one request read says nothing about the next (the tests keep one app context)."""
    parent = _ready_parent()
    assert f.sign_in(gradebook_client, parent).status_code == 302  # reads the counter empty
    for _ in range(2):  # every attempt from a new, unknown browser
        for _ in range(2):
            assert _try(gradebook_app.test_client(), parent.login, "Zgaduje123").status_code == 401
        # Clears the two; else the next round's two would reach the limit of three.
        assert _try(gradebook_app.test_client(), parent.login, f.PASSWORD).status_code == 302
