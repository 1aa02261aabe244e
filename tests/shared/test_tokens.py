"""Signed tokens: purpose separation, expiry, tampering, state binding."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from shared.tokens import (
    TokenExpired,
    TokenInvalid,
    TokenPurpose,
    TokenService,
    load_link,
    state_fingerprint,
    token_service,
)

ACTIVATE = TokenPurpose("activate-account", max_age=48 * 3600)
RESET = TokenPurpose("reset-password", max_age=3600)
SECRET = "a-test-secret"


def test_round_trip():
    service = TokenService(SECRET, ACTIVATE)
    assert service.loads(service.dumps({"uid": 7})) == {"uid": 7}


def test_expired_token_is_refused():
    start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        token = TokenService(SECRET, RESET).dumps({"uid": 7})
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert TokenService(SECRET, RESET).loads(token) == {"uid": 7}
    with time_machine.travel(start + timedelta(minutes=61), tick=False), \
            pytest.raises(TokenExpired):
        TokenService(SECRET, RESET).loads(token)


def test_tampered_token_is_refused():
    token = TokenService(SECRET, ACTIVATE).dumps({"uid": 7})
    payload, rest = token.split(".", 1)
    forged = ("e" if payload[0] != "e" else "f") + payload[1:] + "." + rest
    with pytest.raises(TokenInvalid):
        TokenService(SECRET, ACTIVATE).loads(forged)
    with pytest.raises(TokenInvalid):
        TokenService("another-secret", ACTIVATE).loads(token)


def test_token_for_one_purpose_fails_for_another():
    token = TokenService(SECRET, ACTIVATE).dumps({"uid": 7})
    with pytest.raises(TokenInvalid):
        TokenService(SECRET, RESET).loads(token)


def test_state_bound_token_works_once():
    service = TokenService(SECRET, RESET)
    account = {"hash": "old-hash", "last_login": None}

    def state_of(data):
        return state_fingerprint(account["hash"], account["last_login"])

    token = service.dumps({"uid": 7}, state=state_of({}))
    assert service.loads(token, state_of=state_of) == {"uid": 7}
    account["hash"] = "new-hash"  # the reset happened: the same link is now void
    with pytest.raises(TokenInvalid):
        service.loads(token, state_of=state_of)
    with pytest.raises(TokenInvalid):
        service.loads(token, state_of=lambda data: None)  # subject deleted


class _Row:
    def __init__(self, row_id: int, password_hash: str) -> None:
        self.id, self.password_hash = row_id, password_hash


class _Session:
    """Just ``get``, as ``load_link`` uses it."""

    def __init__(self, *rows: _Row) -> None:
        self.rows = {row.id: row for row in rows}

    def get(self, model, row_id):
        return self.rows.get(row_id)


def _row_state(row: _Row) -> str:
    return state_fingerprint(row.id, row.password_hash)


def test_load_link_returns_the_row_while_its_state_holds(gradebook_app):
    row = _Row(7, "old-hash")
    session = _Session(row)
    with gradebook_app.test_request_context():
        token = token_service(RESET).dumps({"a": 7, "e": "x@example.org"}, state=_row_state(row))
        found, data = load_link(RESET, token, session=session, model=_Row, state=_row_state)
        assert found is row and data == {"a": 7, "e": "x@example.org"}
        row.password_hash = "new-hash"
        with pytest.raises(TokenInvalid):
            load_link(RESET, token, session=session, model=_Row, state=_row_state)
        with pytest.raises(TokenInvalid):
            load_link(RESET, token, session=_Session(), model=_Row, state=_row_state)


def test_load_link_tells_an_expired_link(gradebook_app):
    row = _Row(7, "hash")
    start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    with gradebook_app.test_request_context():
        with time_machine.travel(start, tick=False):
            token = token_service(RESET).dumps({"a": 7}, state=_row_state(row))
        with time_machine.travel(start + timedelta(hours=2), tick=False), \
                pytest.raises(TokenExpired):
            load_link(RESET, token, session=_Session(row), model=_Row, state=_row_state)
