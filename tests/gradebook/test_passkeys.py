"""Staff passkeys at the register: enrol, second factor, passwordless, revoke, admin reset.

The browser is played by the test client and a software authenticator; the real
browser with Chromium's virtual authenticator is in test_passkeys_browser.py.
"""

from __future__ import annotations

import pytest
import time_machine
from flask import current_app

from gradebook_service.accounts.models import PasswordResetRequest, SchoolAccount
from gradebook_service.core.models import AuditEvent
from gradebook_service.extensions import db
from gradebook_service.passkeys.models import Passkey, PasskeyChallenge
from gradebook_service.passkeys.services import relying_party
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import School
from shared.database import utcnow
from tests.gradebook import accounts_factories as f
from tests.support.soft_authenticator import SoftAuthenticator

#: Browsers refuse passkeys for an IP address: the register is reached by a host name.
pytestmark = pytest.mark.app_config({"GRADEBOOK_URL": "http://localhost:5000"})


def _post_json(client, url, body=None):
    return client.post(url, json=body or {}, headers={"X-CSRFToken": client.last_csrf_token})


def _options(client, url, body=None):
    response = _post_json(client, url, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def _challenge(options) -> bytes:
    from webauthn.helpers import base64url_to_bytes

    return base64url_to_bytes(options["challenge"])


def _enrol(client, authenticator, name="Laptop w pokoju nauczycielskim"):
    client.get("/account/passkeys")
    options = _options(client, "/account/passkeys/options", {"name": name})
    rp = relying_party()
    credential = authenticator.register(_challenge(options), rp_id=rp.rp_id, origin=rp.origin)
    return _post_json(client, "/account/passkeys", {"name": name, "credential": credential})


def _handle(account_id):
    return db.session.execute(db.select(Passkey.user_handle).where(
        Passkey.account_id == account_id)).scalars().first()


def _passwordless(client, authenticator, handle, **kwargs):
    client.get("/login")
    options = _options(client, "/login/passkey/options")
    rp = relying_party()
    answer = authenticator.assert_(_challenge(options), rp_id=kwargs.pop("rp_id", rp.rp_id),
                                   origin=kwargs.pop("origin", rp.origin), user_handle=handle,
                                   **kwargs)
    return _post_json(client, "/login/passkey", answer), answer


def _school_of(account):
    return db.session.get(School, account.school_id)


def _events(name):
    return db.session.execute(db.select(AuditEvent).where(AuditEvent.event == name)).scalars().all()


def _teacher_with_passkey(client, authenticator):
    school = f.make_school()
    teacher = f.make_staff(school)
    f.commit()
    f.sign_in(client, teacher)
    assert _enrol(client, authenticator).status_code == 200
    client.post("/logout", data={})
    return teacher


def test_enrol_lists_the_named_passkey_and_audits(gradebook_app, gradebook_client):
    school = f.make_school()
    teacher = f.make_staff(school)
    f.commit()
    f.sign_in(gradebook_client, teacher)
    authenticator = SoftAuthenticator(backed_up=True)
    response = _enrol(gradebook_client, authenticator)
    assert response.status_code == 200 and response.get_json()["redirect"] == "/account/passkeys"
    key = db.session.execute(db.select(Passkey)).scalar_one()
    assert (key.school_id, key.account_id, key.name) == (school.id, teacher.id,
                                                          "Laptop w pokoju nauczycielskim")
    assert key.credential_id == authenticator.credential_id
    assert key.backup_eligible and key.backed_up and key.transports == "internal"
    assert len(key.user_handle) == 32 and teacher.login.encode() not in key.user_handle
    assert find_by_id(SchoolAccount, teacher.id).passkey_count == 1
    page = gradebook_client.get("/account/passkeys").get_data(as_text=True)
    assert "Laptop w pokoju nauczycielskim" in page
    assert "passkeys.js" in page and "<script>" not in page
    assert [e.actor for e in _events("passkey.enrolled")] == [teacher.login]
    # A second passkey of the same person carries the same user handle; none is registered twice.
    second = SoftAuthenticator()
    assert _enrol(gradebook_client, second, name="Telefon").status_code == 200
    assert len(set(db.session.execute(db.select(Passkey.user_handle)).scalars())) == 1
    again = _enrol(gradebook_client, second, name="Telefon znowu")
    assert again.status_code == 400
    assert find_by_id(SchoolAccount, teacher.id).passkey_count == 2


def test_enrolment_needs_a_name_and_a_fresh_challenge(gradebook_app, gradebook_client):
    school = f.make_school()
    teacher = f.make_staff(school)
    f.commit()
    f.sign_in(gradebook_client, teacher)
    gradebook_client.get("/account/passkeys")
    response = _post_json(gradebook_client, "/account/passkeys/options", {"name": "  "})
    assert response.status_code == 400 and "nazw" in response.get_json()["error"]
    authenticator = SoftAuthenticator()
    options = _options(gradebook_client, "/account/passkeys/options", {"name": "Laptop"})
    rp = relying_party()
    credential = authenticator.register(_challenge(options), rp_id=rp.rp_id, origin=rp.origin)
    ok = _post_json(gradebook_client, "/account/passkeys", {"name": "Laptop",
                                                           "credential": credential})
    assert ok.status_code == 200
    replay = _post_json(gradebook_client, "/account/passkeys", {"name": "Laptop",
                                                               "credential": credential})
    assert replay.status_code == 400  # the challenge is gone with its first use
    assert db.session.execute(db.select(db.func.count()).select_from(Passkey)).scalar() == 1


def test_families_cannot_enrol_at_the_register(gradebook_app, gradebook_client):
    school = f.make_school()
    pupil = f.make_family(f.make_class(school))
    parent = f.parent_accounts(pupil)[0]
    f.make_ready(parent)
    f.commit()
    f.sign_in(gradebook_client, parent)
    assert gradebook_client.get("/account/passkeys").status_code == 404
    assert _post_json(gradebook_client, "/account/passkeys/options",
                      {"name": "x"}).status_code == 404


def test_passwordless_sign_in_and_counter(gradebook_app, gradebook_client):
    authenticator = SoftAuthenticator()
    teacher = _teacher_with_passkey(gradebook_client, authenticator)
    login_page = gradebook_client.get("/login").get_data(as_text=True)
    assert "Zaloguj się kluczem dostępu" in login_page
    response, answer = _passwordless(gradebook_client, authenticator, _handle(teacher.id))
    assert response.status_code == 200 and response.get_json()["redirect"] == "/"
    assert gradebook_client.get("/account").status_code == 200
    key = db.session.execute(db.select(Passkey)).scalar_one()
    assert key.sign_count == authenticator.sign_count and key.last_used_at is not None
    assert _events("passkey.used")[-1].details["step"] == "passwordless"
    assert _events("login.succeeded")[-1].details["method"] == "passkey"
    # The same answer again: no challenge in the session any more, and a counter that lags.
    gradebook_client.post("/logout", data={})
    assert _post_json(gradebook_client, "/login/passkey", answer).status_code == 400
    cloned = SoftAuthenticator(credential_id=authenticator.credential_id, key=authenticator.key,
                               sign_count=0)
    response, _ = _passwordless(gradebook_client, cloned, _handle(teacher.id))
    assert response.status_code == 400
    assert gradebook_client.get("/account").status_code == 302


def test_passwordless_requires_user_verification_and_the_right_origin(gradebook_app,
                                                                      gradebook_client):
    authenticator = SoftAuthenticator()
    teacher = _teacher_with_passkey(gradebook_client, authenticator)
    authenticator.user_verified = False
    response, _ = _passwordless(gradebook_client, authenticator, _handle(teacher.id))
    assert response.status_code == 400
    assert "nie został przyjęty" in response.get_json()["error"]
    authenticator.user_verified = True
    for origin in ("http://127.0.0.1:5001", "https://e-dziennik.phish.example"):
        response, _ = _passwordless(gradebook_client, authenticator, _handle(teacher.id),
                                    origin=origin)
        assert response.status_code == 400
    response, _ = _passwordless(gradebook_client, authenticator, b"\x00" * 32)
    assert response.status_code == 400  # another account's user handle
    assert gradebook_client.get("/account").status_code == 302
    assert len(_events("passkey.failed")) == 4


def test_challenge_expires(gradebook_app, gradebook_client):
    authenticator = SoftAuthenticator()
    teacher = _teacher_with_passkey(gradebook_client, authenticator)
    gradebook_client.get("/login")
    options = _options(gradebook_client, "/login/passkey/options")
    rp = relying_party()
    answer = authenticator.assert_(_challenge(options), rp_id=rp.rp_id, origin=rp.origin,
                                   user_handle=_handle(teacher.id))
    with time_machine.travel(utcnow().timestamp() + 6 * 60):
        assert _post_json(gradebook_client, "/login/passkey", answer).status_code == 400
    assert db.session.execute(db.select(db.func.count()).select_from(PasskeyChallenge)
                              ).scalar() == 0


def test_a_challenge_is_bound_to_its_session(gradebook_app):
    authenticator = SoftAuthenticator()
    owner, thief = gradebook_app.test_client(), gradebook_app.test_client()
    teacher = _teacher_with_passkey(owner, authenticator)
    owner.get("/login")
    options = _options(owner, "/login/passkey/options")
    rp = relying_party()
    answer = authenticator.assert_(_challenge(options), rp_id=rp.rp_id, origin=rp.origin,
                                   user_handle=_handle(teacher.id))
    thief.get("/login")
    _options(thief, "/login/passkey/options")  # the thief's own ceremony, another challenge
    assert _post_json(thief, "/login/passkey", answer).status_code == 400
    assert _post_json(owner, "/login/passkey", answer).status_code == 200


def test_passkey_as_the_second_factor(gradebook_app, gradebook_client):
    authenticator = SoftAuthenticator(user_verified=False)  # a security key without a PIN
    authenticator.user_verified = True  # enrolment needs verification
    teacher = _teacher_with_passkey(gradebook_client, authenticator)
    authenticator.user_verified = False
    gradebook_client.get("/login")
    response = gradebook_client.post("/login", data={"login": teacher.login,
                                                     "password": f.PASSWORD})
    assert response.headers["Location"].endswith("/login/second-factor")
    page = gradebook_client.get("/login/second-factor").get_data(as_text=True)
    assert 'id="passkey-second-factor"' in page
    assert 'name="code"' in page  # with TOTP too, the code field stays
    options = _options(gradebook_client, "/login/second-factor/passkey/options")
    assert [c["id"] for c in options["allowCredentials"]]
    rp = relying_party()
    answer = authenticator.assert_(_challenge(options), rp_id=rp.rp_id, origin=rp.origin)
    response = _post_json(gradebook_client, "/login/second-factor/passkey", answer)
    assert response.status_code == 200
    assert gradebook_client.get("/account").status_code == 200
    assert _events("login.succeeded")[-1].details["method"] == "password+passkey"


def test_second_factor_needs_the_password_first_and_the_own_passkey(gradebook_app,
                                                                     gradebook_client):
    authenticator = SoftAuthenticator()
    teacher = _teacher_with_passkey(gradebook_client, authenticator)
    gradebook_client.get("/login")
    assert _post_json(gradebook_client, "/login/second-factor/passkey/options"
                      ).status_code == 409
    other = f.make_staff(_school_of(teacher))
    f.commit()
    foreign = SoftAuthenticator()
    _teacher_key_for(other, foreign)
    gradebook_client.get("/login")
    gradebook_client.post("/login", data={"login": teacher.login, "password": f.PASSWORD})
    gradebook_client.get("/login/second-factor")
    options = _options(gradebook_client, "/login/second-factor/passkey/options")
    rp = relying_party()
    answer = foreign.assert_(_challenge(options), rp_id=rp.rp_id, origin=rp.origin)
    assert _post_json(gradebook_client, "/login/second-factor/passkey", answer).status_code == 400
    assert gradebook_client.get("/account").status_code == 302


def _teacher_key_for(account, authenticator):
    client = current_app.test_client()
    f.sign_in(client, account)
    assert _enrol(client, authenticator, name="Cudzy").status_code == 200


@pytest.mark.app_config({"THROTTLE_PER_IP": "30 per 15 minutes"})
def test_failures_are_throttled(gradebook_app, gradebook_client):
    authenticator = SoftAuthenticator()
    teacher = _teacher_with_passkey(gradebook_client, authenticator)
    statuses = []
    for _ in range(40):
        response, _ = _passwordless(gradebook_client, authenticator, _handle(teacher.id),
                                    origin="http://evil.example")
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429
    response, _ = _passwordless(gradebook_client, authenticator, _handle(teacher.id))
    assert response.status_code == 429  # even a good answer waits while the address is blocked


def test_revoked_passkey_is_refused_and_other_sessions_end(gradebook_app, gradebook_client):
    authenticator = SoftAuthenticator()
    teacher = _teacher_with_passkey(gradebook_client, authenticator)
    other_session = gradebook_app.test_client()
    response, _ = _passwordless(other_session, authenticator, _handle(teacher.id))
    assert response.status_code == 200
    handle = _handle(teacher.id)
    assert _passwordless(gradebook_client, authenticator, handle)[0].status_code == 200
    gradebook_client.get("/account/passkeys")
    key = db.session.execute(db.select(Passkey)).scalar_one()
    intruder = f.make_staff(_school_of(teacher))
    f.commit()
    stranger = gradebook_app.test_client()
    f.sign_in(stranger, intruder)
    stranger.get("/account/passkeys")
    assert stranger.post(f"/account/passkeys/{key.id}/revoke", data={}).status_code == 404
    response = gradebook_client.post(f"/account/passkeys/{key.id}/revoke", data={})
    assert response.status_code == 302
    assert db.session.execute(db.select(Passkey)).scalar_one_or_none() is None
    assert find_by_id(SchoolAccount, teacher.id).passkey_count == 0
    assert gradebook_client.get("/account").status_code in (200, 303)  # still signed in here
    assert other_session.get("/account").status_code == 302  # the other session ended
    assert [e.actor for e in _events("passkey.revoked")] == [teacher.login]
    gradebook_client.post("/logout", data={})
    response, _ = _passwordless(gradebook_client, authenticator, handle)
    assert response.status_code == 400


def test_staff_may_enrol_a_passkey_instead_of_totp(gradebook_app, gradebook_client):
    school = f.make_school()
    teacher = f.make_staff(school, totp=False)
    f.commit()
    response = f.sign_in(gradebook_client, teacher)
    assert response.headers["Location"].endswith("/account/second-factor/setup")
    setup = gradebook_client.get("/account/second-factor/setup").get_data(as_text=True)
    assert "/account/passkeys" in setup
    assert gradebook_client.get("/account/passkeys").status_code == 200
    assert gradebook_client.get("/account").status_code == 303  # still gated
    response = _enrol(gradebook_client, SoftAuthenticator())
    assert response.get_json()["redirect"] == "/"
    assert gradebook_client.get("/account").status_code == 200
    gradebook_client.post("/logout", data={})
    gradebook_client.get("/login")
    response = gradebook_client.post("/login", data={"login": teacher.login,
                                                     "password": f.PASSWORD})
    assert response.headers["Location"].endswith("/login/second-factor")  # the passkey is needed
    # No authenticator app, no recovery codes: no code field, only the passkey.
    page = gradebook_client.get("/login/second-factor").get_data(as_text=True)
    assert 'id="passkey-second-factor"' in page and 'name="code"' not in page


def test_admin_lost_factor_reset_removes_passkeys(gradebook_app, gradebook_client):
    authenticator = SoftAuthenticator()
    teacher = _teacher_with_passkey(gradebook_client, authenticator)
    school = _school_of(teacher)
    admin = f.make_staff(school, admin=True)
    f.commit()
    request_row = PasswordResetRequest(school_id=school.id, account_id=teacher.id,
                                       reported_by_id=admin.id, status="open")
    db.session.add(request_row)
    f.commit()
    client = gradebook_app.test_client()
    f.sign_in(client, admin)
    page = client.get("/admin/reset-requests").get_data(as_text=True)
    assert 'name="reset_second_factor"' in page
    response = client.post(f"/admin/reset-requests/{request_row.id}/resolve",
                           data={"reset_second_factor": "y"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert db.session.execute(db.select(Passkey)).scalar_one_or_none() is None
    account = find_by_id(SchoolAccount, teacher.id)
    assert account.passkey_count == 0 and not account.totp_enabled
    assert _events("passkey.revoked_all")[0].subject == teacher.login
    response, _ = _passwordless(gradebook_client, authenticator, _handle(teacher.id))
    assert response.status_code == 400


@pytest.mark.app_config({"GRADEBOOK_URL": "http://127.0.0.1:5000"})
def test_no_passkey_buttons_where_browsers_refuse_them(gradebook_app, gradebook_client):
    assert "passkey-signin" not in gradebook_client.get("/login").get_data(as_text=True)
    school = f.make_school()
    teacher = f.make_staff(school)
    f.commit()
    f.sign_in(gradebook_client, teacher)
    page = gradebook_client.get("/account/passkeys").get_data(as_text=True)
    assert "passkey-enrol" not in page and "adresem IP" in page
