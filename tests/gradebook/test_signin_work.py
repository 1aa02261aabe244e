"""A sign-in does only the work its security needs (issue 16): one password hash
check, the throttle counters read, and after the request a throttle write only when a
counter has something to forget. Every security step still happens (tests for
lockouts: test_security_lockout.py; device cookies, session records, audit events
below and in test_security_sessions.py).
"""

from __future__ import annotations

import re

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


def test_a_clean_sign_in_costs_a_fixed_set_of_statements(gradebook_app, gradebook_client):
    """The throttle's two counters, the account with its terms version in one statement (the
    first-login gate asks no query of its own), the session record, the last sign-in time
    and the audit event: nothing else."""
    parent = _ready_parent()
    gradebook_client.get("/login")
    form = {"login": parent.login, "password": f.PASSWORD}
    with gradebook_app.app_context(), count_queries(db.engine) as statements:
        response = gradebook_client.post("/login", data=form)
    assert response.status_code == 302
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len([s for s in selects if "throttle_counter" in s]) == 2
    (account,) = [s for s in selects if "school_account" in s]
    assert "terms_version" in account
    assert not [s for s in selects if "school_account" not in s and "throttle_counter" not in s]
    writes = [s.split()[0].upper() + " " + next(t for t in ("sign_in_session", "school_account",
                                                            "audit_event") if t in s)
              for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE",
                                                                     "DELETE"))]
    assert sorted(writes) == ["DELETE sign_in_session", "INSERT audit_event",
                              "INSERT sign_in_session", "UPDATE school_account"]


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_the_kept_sign_in_page_gives_each_browser_its_own_working_token(gradebook_app):
    parent = _ready_parent()
    first, second = gradebook_app.test_client(), gradebook_app.test_client()
    first_page = first.get("/login").get_data(as_text=True)
    second_page = second.get("/login").get_data(as_text=True)  # from the kept page
    assert "__edz_" not in second_page
    assert _token(first_page) != _token(second_page)
    assert first_page.replace(_token(first_page), "T") == second_page.replace(
        _token(second_page), "T")
    crossed = second.post("/login", data={"login": parent.login, "password": f.PASSWORD,
                                          "csrf_token": _token(first_page)})
    assert crossed.status_code == 400  # another browser's token is refused
    own = second.post("/login", data={"login": parent.login, "password": f.PASSWORD,
                                      "csrf_token": _token(second_page)})
    assert own.status_code == 302


def test_the_kept_sign_in_page_follows_next_language_and_flashes(gradebook_app,
                                                                 gradebook_client):
    parent = _ready_parent()
    plain = gradebook_client.get("/login").get_data(as_text=True)
    wanted = gradebook_client.get("/login?next=/family/grades").get_data(as_text=True)
    assert "next=%2Ffamily%2Fgrades" not in plain and "next=%2Ffamily%2Fgrades" in wanted
    english = gradebook_client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Sign in to the e-register" in english
    f.sign_in(gradebook_client, parent)
    gradebook_client.get("/account")
    gradebook_client.post("/logout", data={})
    page = gradebook_client.get("/login?lang=en").get_data(as_text=True)
    assert "You have signed out." in page
