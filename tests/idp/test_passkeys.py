"""Passkeys of unified accounts at the IdP, without a browser: the pages, the single-use
challenge, ownership, the throttle and the audit trail (the ceremonies themselves run in
Chromium in test_passkeys_browser.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from idp.core.models import AuditEvent
from idp.extensions import db
from idp.passkeys.models import Passkey, PasskeyChallenge
from tests.idp.accounts_factories import PASSWORD, make_account

pytestmark = pytest.mark.app_config({"IDP_ISSUER": "http://localhost:5001"})


def _sign_in(client, email):
    client.get("/login")
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def _json_post(client, path, body):
    if client.last_csrf_token is None:
        client.get("/login")  # a page with the session's CSRF token
    return client.post(path, json=body, headers={"X-CSRFToken": client.last_csrf_token})


def test_login_page_keeps_the_email_form_and_offers_a_passkey(idp_client):
    page = idp_client.get("/login").get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page
    assert 'id="passkey-signin"' in page and "Zaloguj się kluczem dostępu" in page
    assert "/static/shared/passkeys.js" in page


@pytest.mark.app_config({"IDP_ISSUER": "http://127.0.0.1:5001"})
def test_no_passkey_button_at_an_ip_address(idp_client):
    assert 'id="passkey-signin"' not in idp_client.get("/login").get_data(as_text=True)


def test_options_name_the_idp_and_a_challenge_works_once(idp_client):
    options = _json_post(idp_client, "/login/passkey/options", {})
    assert options.status_code == 200
    data = options.get_json()
    assert data["rpId"] == "localhost" and data["userVerification"] == "required"
    assert db.session.execute(sa.select(sa.func.count()).select_from(PasskeyChallenge)
                              ).scalar() == 1
    forged = {"id": "AAAA", "rawId": "AAAA", "type": "public-key",
              "response": {"clientDataJSON": "e30", "authenticatorData": "AAAA",
                           "signature": "AAAA", "userHandle": "AAAA"}}
    first = _json_post(idp_client, "/login/passkey", forged)
    assert first.status_code == 400 and "nie został przyjęty" in first.get_json()["error"]
    assert db.session.execute(sa.select(PasskeyChallenge)).first() is None  # used up
    events = db.session.execute(sa.select(AuditEvent.event)).scalars().all()
    assert "passkey.failed" in events


@pytest.mark.app_config({"THROTTLE_PER_IP": "2 per 15 minutes"})
def test_failed_answers_are_throttled(idp_client):
    codes = []
    for _ in range(3):
        _json_post(idp_client, "/login/passkey/options", {})
        codes.append(_json_post(idp_client, "/login/passkey", {"id": "AAAA"}).status_code)
    assert codes == [400, 400, 429]


def test_enrol_needs_a_name_and_a_signed_in_person(idp_client):
    assert idp_client.get("/account/passkeys").status_code == 302
    make_account("ola@example.org")
    _sign_in(idp_client, "ola@example.org")
    page = idp_client.get("/account/passkeys").get_data(as_text=True)
    assert "Dodaj klucz dostępu" in page and 'id="passkey-enrol"' in page
    refused = _json_post(idp_client, "/account/passkeys/options", {"name": "  "})
    assert refused.status_code == 400 and "nazw" in refused.get_json()["error"]
    options = _json_post(idp_client, "/account/passkeys/options", {"name": "Telefon"}).get_json()
    assert options["rp"]["id"] == "localhost" and options["user"]["name"] == "ola@example.org"
    bad = _json_post(idp_client, "/account/passkeys", {"name": "Telefon", "credential": {}})
    assert bad.status_code == 400
    assert db.session.execute(sa.select(Passkey)).first() is None


def test_someone_elses_passkey_cannot_be_revoked(idp_client):
    owner = make_account("ola@example.org")
    db.session.add(Passkey(account_id=owner.id, name="Telefon Oli", credential_id=b"c1",
                           user_handle=b"h" * 32, public_key=b"k", sign_count=0))
    db.session.commit()
    key_id = db.session.execute(sa.select(Passkey.id)).scalar_one()
    make_account("ewa@example.org")
    _sign_in(idp_client, "ewa@example.org")
    idp_client.get("/account/passkeys")
    assert idp_client.post(f"/account/passkeys/{key_id}/revoke", data={}).status_code == 404
    assert db.session.execute(sa.select(Passkey.id)).scalar_one() == key_id


def _challenge(options) -> bytes:
    from webauthn.helpers import base64url_to_bytes

    return base64url_to_bytes(options["challenge"])


def _enrol_soft(client, authenticator, name="Telefon"):
    from idp.passkeys.services import relying_party

    client.get("/account/passkeys")  # the signed-in session's CSRF token
    options = _json_post(client, "/account/passkeys/options", {"name": name}).get_json()
    rp = relying_party()
    credential = authenticator.register(_challenge(options), rp_id=rp.rp_id, origin=rp.origin)
    return _json_post(client, "/account/passkeys", {"name": name, "credential": credential})


def _passwordless_soft(client, authenticator, handle, query="", **kwargs):
    from idp.passkeys.services import relying_party

    options = _json_post(client, "/login/passkey/options", {}).get_json()
    rp = relying_party()
    answer = authenticator.assert_(_challenge(options), rp_id=kwargs.pop("rp_id", rp.rp_id),
                                   origin=kwargs.pop("origin", rp.origin), user_handle=handle,
                                   **kwargs)
    return _json_post(client, "/login/passkey" + query, answer)


def test_passwordless_sign_in_with_next_amr_audit_and_revoke(idp_app, idp_client):
    from tests.support.soft_authenticator import SoftAuthenticator

    authenticator = SoftAuthenticator()
    make_account("ola@example.org")
    other_device = idp_app.test_client()
    _sign_in(other_device, "ola@example.org")
    _sign_in(idp_client, "ola@example.org")
    assert _enrol_soft(idp_client, authenticator).status_code == 200
    key = db.session.execute(sa.select(Passkey)).scalar_one()
    idp_client.post("/logout", data={})
    fresh = idp_app.test_client()
    # A foreign origin (a phishing proxy) is refused on the server too.
    refused = _passwordless_soft(fresh, authenticator, key.user_handle,
                                 origin="http://evil.localhost:5001")
    assert refused.status_code == 400 and "nie został przyjęty" in refused.get_json()["error"]
    answer = _passwordless_soft(fresh, authenticator, key.user_handle,
                                query="?next=http%3A%2F127.0.0.1%3A6100%2Fx")
    assert answer.status_code == 200 and answer.get_json()["redirect"] == "/account"
    assert fresh.get("/account").status_code == 200
    events = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert [e.event for e in events].count("passkey.used") == 1
    login = [e for e in events if e.event == "login.succeeded"][-1]
    assert login.details["amr"] == ["hwk", "user", "mfa"]
    # Removing the passkey ends the other device's session; this one goes on.
    fresh.get("/account/passkeys")
    assert fresh.post(f"/account/passkeys/{key.id}/revoke", data={}).status_code == 302
    assert fresh.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302
    assert "passkey.revoked" in db.session.execute(sa.select(AuditEvent.event)).scalars().all()
    again = _passwordless_soft(idp_app.test_client(), authenticator, key.user_handle)
    assert again.status_code == 400 and "nie został przyjęty" in again.get_json()["error"]
