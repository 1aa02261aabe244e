"""The WebAuthn ceremony helpers (shared/passkeys.py) against a software authenticator."""

from __future__ import annotations

import json
import os

import pytest

from shared.passkeys import (
    PasskeyError,
    RelyingParty,
    authentication_options,
    credential_id_of,
    registration_options,
    user_handle_of,
    verify_assertion,
    verify_registration,
)
from tests.support.soft_authenticator import SoftAuthenticator

RP = RelyingParty.from_url("http://127.0.0.1:5000/", "E-dziennik")
HANDLE = os.urandom(32)


def _registered(authenticator: SoftAuthenticator):
    ceremony = registration_options(RP, user_handle=HANDLE, user_name="nowak",
                                    display_name="Anna Nowak", existing=[])
    response = authenticator.register(ceremony.challenge, rp_id=RP.rp_id, origin=RP.origin)
    return verify_registration(RP, response, challenge=ceremony.challenge)


def _sign_in(authenticator, stored, *, challenge=None, origin=RP.origin, rp_id=RP.rp_id,
             sign_count=None, uv=True, **kwargs):
    ceremony = authentication_options(RP, allowed=None, require_user_verification=uv)
    response = authenticator.assert_(challenge or ceremony.challenge, rp_id=rp_id,
                                     origin=origin, user_handle=HANDLE, **kwargs)
    return verify_assertion(RP, response, challenge=ceremony.challenge,
                            public_key=stored.public_key,
                            sign_count=stored.sign_count if sign_count is None else sign_count,
                            require_user_verification=uv)


def test_relying_party_from_the_service_url():
    rp = RelyingParty.from_url("https://dziennik.szkola.pl:8443/x", "E")
    assert (rp.rp_id, rp.origin) == ("dziennik.szkola.pl", "https://dziennik.szkola.pl:8443")
    assert rp.usable and RelyingParty.from_url("http://localhost:5000", "E").usable
    assert not RelyingParty.from_url("http://127.0.0.1:5000", "E").usable
    assert not RelyingParty.from_url("http://[::1]:5000", "E").usable
    with pytest.raises(ValueError):
        RelyingParty.from_url("ftp://x", "E")


def test_registration_options_require_a_discoverable_verified_passkey():
    existing = [(b"\x01" * 16, ("internal", "bogus"))]
    ceremony = registration_options(RP, user_handle=HANDLE, user_name="nowak",
                                    display_name="Anna Nowak", existing=existing)
    options = json.loads(ceremony.options_json)
    assert options["rp"] == {"id": "127.0.0.1", "name": "E-dziennik"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["excludeCredentials"][0]["transports"] == ["internal"]
    assert len(ceremony.challenge) >= 32
    again = registration_options(RP, user_handle=HANDLE, user_name="nowak",
                                 display_name="Anna Nowak", existing=[])
    assert again.challenge != ceremony.challenge


def test_registration_and_sign_in_round_trip():
    authenticator = SoftAuthenticator(backed_up=True)
    stored = _registered(authenticator)
    assert stored.credential_id == authenticator.credential_id
    assert stored.backup_eligible and stored.backed_up
    assert stored.transports == ("internal",)
    result = _sign_in(authenticator, stored)
    assert result.sign_count == 1 and result.user_verified


def test_sign_in_names_its_credential_and_user():
    authenticator = SoftAuthenticator()
    response = authenticator.assert_(b"x" * 32, rp_id=RP.rp_id, origin=RP.origin,
                                     user_handle=HANDLE)
    assert credential_id_of(response) == authenticator.credential_id
    assert user_handle_of(response) == HANDLE
    with pytest.raises(PasskeyError):
        credential_id_of("{not json")
    with pytest.raises(PasskeyError):
        credential_id_of({"rawId": 5})


def test_registration_with_a_different_challenge_is_refused():
    authenticator = SoftAuthenticator()
    ceremony = registration_options(RP, user_handle=HANDLE, user_name="n", display_name="N",
                                    existing=[])
    response = authenticator.register(os.urandom(32), rp_id=RP.rp_id, origin=RP.origin)
    with pytest.raises(PasskeyError):
        verify_registration(RP, response, challenge=ceremony.challenge)


@pytest.mark.parametrize("origin,rp_id", [
    ("http://127.0.0.1:5001", "127.0.0.1"),  # another service on the same host
    ("http://evil.example", "127.0.0.1"),  # a phishing proxy relaying the ceremony
    ("http://127.0.0.1:5000", "evil.example"),  # a credential of another site
])
def test_registration_for_another_site_is_refused(origin, rp_id):
    authenticator = SoftAuthenticator()
    ceremony = registration_options(RP, user_handle=HANDLE, user_name="n", display_name="N",
                                    existing=[])
    response = authenticator.register(ceremony.challenge, rp_id=rp_id, origin=origin)
    with pytest.raises(PasskeyError):
        verify_registration(RP, response, challenge=ceremony.challenge)


def test_registration_without_user_verification_is_refused():
    authenticator = SoftAuthenticator(user_verified=False)
    with pytest.raises(PasskeyError):
        _registered(authenticator)


def test_sign_in_with_a_bad_challenge_is_refused():
    authenticator = SoftAuthenticator()
    stored = _registered(authenticator)
    with pytest.raises(PasskeyError):
        _sign_in(authenticator, stored, challenge=os.urandom(32))


def test_sign_in_at_a_wrong_origin_is_refused():
    authenticator = SoftAuthenticator()
    stored = _registered(authenticator)
    with pytest.raises(PasskeyError):
        _sign_in(authenticator, stored, origin="http://127.0.0.1:5001")


def test_sign_in_for_a_wrong_rp_id_is_refused():
    authenticator = SoftAuthenticator()
    stored = _registered(authenticator)
    with pytest.raises(PasskeyError):
        _sign_in(authenticator, stored, rp_id="localhost")


def test_a_replayed_answer_is_refused_by_its_counter():
    authenticator = SoftAuthenticator()
    stored = _registered(authenticator)
    ceremony = authentication_options(RP, allowed=None, require_user_verification=True)
    response = authenticator.assert_(ceremony.challenge, rp_id=RP.rp_id, origin=RP.origin)
    first = verify_assertion(RP, response, challenge=ceremony.challenge,
                             public_key=stored.public_key, sign_count=0,
                             require_user_verification=True)
    with pytest.raises(PasskeyError):
        verify_assertion(RP, response, challenge=ceremony.challenge,
                         public_key=stored.public_key, sign_count=first.sign_count,
                         require_user_verification=True)


def test_counter_regression_is_refused():
    authenticator = SoftAuthenticator(sign_count=10)
    stored = _registered(authenticator)
    with pytest.raises(PasskeyError):
        _sign_in(authenticator, stored, sign_count=25)  # a clone that lags behind


def test_passwordless_needs_user_verification():
    authenticator = SoftAuthenticator()
    stored = _registered(authenticator)
    authenticator.user_verified = False
    with pytest.raises(PasskeyError):
        _sign_in(authenticator, stored, uv=True)
    assert not _sign_in(authenticator, stored, uv=False).user_verified


def test_a_signature_of_another_key_is_refused():
    authenticator = SoftAuthenticator()
    stored = _registered(authenticator)
    impostor = SoftAuthenticator(credential_id=authenticator.credential_id)
    with pytest.raises(PasskeyError):
        _sign_in(impostor, stored)


def test_garbage_is_refused():
    with pytest.raises(PasskeyError):
        verify_registration(RP, "[]", challenge=b"x" * 32)
    with pytest.raises(PasskeyError):
        verify_assertion(RP, {"id": "AA", "rawId": "AA", "type": "public-key", "response": {}},
                         challenge=b"x" * 32, public_key=b"", sign_count=0,
                         require_user_verification=True)
