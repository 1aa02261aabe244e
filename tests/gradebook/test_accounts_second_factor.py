"""Second factor: staff enrol TOTP at first sign-in; wrong and replayed codes; recovery codes."""

import re

import pyotp
import time_machine

from gradebook_service.accounts.models import RecoveryCode, SchoolAccount
from gradebook_service.accounts.second_factor import unused_recovery_codes
from gradebook_service.extensions import db
from gradebook_service.school.keys import find_by_id
from tests.gradebook import accounts_factories as f


def _staff_without_totp(school):
    account = f.make_staff(school, totp=False)
    f.commit()
    return account


def _enrol(client):
    """Enrol through the page: read the secret shown, confirm a code; return secret and codes."""
    page = client.get("/account/second-factor/setup").data.decode()
    assert 'src="data:image/svg+xml' in page  # the QR code, inline as a data: URI
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    response = client.post("/account/second-factor/setup",
                           data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.data.decode())
    return secret, codes


def test_staff_must_enrol_before_anything_else(gradebook_app, gradebook_client):
    school = f.make_school()
    teacher = _staff_without_totp(school)
    response = f.sign_in(gradebook_client, teacher)
    assert response.headers["Location"].endswith("/account/second-factor/setup")
    assert gradebook_client.get("/account").status_code == 303
    assert gradebook_client.get("/admin/classes").status_code == 303
    secret, codes = _enrol(gradebook_client)
    assert len(codes) == 10
    assert gradebook_client.get("/account").status_code == 200
    stored = db.session.execute(db.select(RecoveryCode.code_hash)).scalars().all()
    assert codes[0] not in stored and len(stored) == 10  # hashed
    account = find_by_id(SchoolAccount, teacher.id)
    assert secret not in (account.totp_secret_encrypted or "")  # encrypted at rest


def test_wrong_enrolment_code_is_refused(gradebook_app, gradebook_client):
    school = f.make_school()
    teacher = _staff_without_totp(school)
    f.sign_in(gradebook_client, teacher)
    gradebook_client.get("/account/second-factor/setup?lang=en")
    response = gradebook_client.post("/account/second-factor/setup", data={"code": "000000"})
    assert b"The code does not match" in response.data


def test_sign_in_needs_a_current_code_and_rejects_replay(gradebook_app):
    school = f.make_school()
    teacher = f.make_staff(school)
    f.commit()
    secret = f.TOTP_SECRETS[teacher.id]
    with time_machine.travel("2026-11-28 10:00:00+00:00", tick=False):
        code = pyotp.TOTP(secret).now()
        client = gradebook_app.test_client()
        client.get("/login?lang=en")
        response = client.post("/login", data={"login": teacher.login, "password": f.PASSWORD})
        assert response.headers["Location"].endswith("/login/second-factor")
        assert client.get("/account").status_code == 302  # not signed in yet
        client.get("/login/second-factor")
        wrong = client.post("/login/second-factor", data={"code": "123456"})
        assert wrong.status_code == 401 and b"wrong or has already been used" in wrong.data
        assert client.post("/login/second-factor", data={"code": code}).status_code == 302
        assert client.get("/account").status_code == 200
        # The same code again, in another browser, within its time window: refused.
        other = gradebook_app.test_client()
        other.get("/login?lang=en")
        other.post("/login", data={"login": teacher.login, "password": f.PASSWORD})
        other.get("/login/second-factor")
        replay = other.post("/login/second-factor", data={"code": code})
        assert replay.status_code == 401
    with time_machine.travel("2026-11-28 10:01:00+00:00", tick=False):
        other.get("/login/second-factor")
        fresh = other.post("/login/second-factor", data={"code": pyotp.TOTP(secret).now()})
        assert fresh.status_code == 302


def test_recovery_codes_work_once(gradebook_app, gradebook_client):
    school = f.make_school()
    teacher = _staff_without_totp(school)
    f.sign_in(gradebook_client, teacher)
    _secret, codes = _enrol(gradebook_client)
    for attempt, expected in ((codes[0], 302), (codes[0].upper(), 401), (codes[1], 302)):
        client = gradebook_app.test_client()
        client.get("/login")
        client.post("/login", data={"login": teacher.login, "password": f.PASSWORD})
        client.get("/login/second-factor")
        response = client.post("/login/second-factor", data={"code": attempt})
        assert response.status_code == expected, attempt
    account = find_by_id(SchoolAccount, teacher.id)
    assert unused_recovery_codes(account) == 8


def test_second_factor_step_is_throttled(gradebook_app):
    school = f.make_school()
    teacher = f.make_staff(school)
    f.commit()
    client = gradebook_app.test_client()
    client.get("/login?lang=en")
    client.post("/login", data={"login": teacher.login, "password": f.PASSWORD})
    client.get("/login/second-factor")
    for _ in range(5):
        client.post("/login/second-factor", data={"code": "000000"})
    response = client.post("/login/second-factor",
                           data={"code": pyotp.TOTP(f.TOTP_SECRETS[teacher.id]).now()})
    assert b"Too many failed attempts" in response.data


def test_families_may_turn_it_on_and_off_staff_may_not_turn_it_off(gradebook_app,
                                                                    gradebook_client):
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.make_ready(parent)
    teacher = f.make_staff(school)
    f.commit()
    f.sign_in(gradebook_client, parent)
    _enrol(gradebook_client)
    assert find_by_id(SchoolAccount, parent.id).totp_enabled
    gradebook_client.get("/account")
    gradebook_client.post("/account/second-factor/disable", data={})
    db.session.expire_all()
    assert not find_by_id(SchoolAccount, parent.id).totp_enabled
    staff_client = gradebook_app.test_client()
    f.sign_in(staff_client, teacher)
    staff_client.get("/account")
    assert staff_client.post("/account/second-factor/disable", data={}).status_code == 403
