"""Signed tokens: purpose separation, expiry, tampering, state binding."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from shared.tokens import TokenExpired, TokenInvalid, TokenPurpose, TokenService, state_fingerprint

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
