"""School login: login format and uniqueness, one message for any wrong credential, throttling."""

import re

import pytest

from gradebook_service.accounts.issued_passwords import generate_password
from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.core.models import AuditEvent
from gradebook_service.extensions import db
from shared.password_policy import check_password
from tests.gradebook import accounts_factories as f


def test_parent_and_pupil_logins_have_the_school_format(gradebook_app):
    school = f.make_school()
    pupil = f.make_family(f.make_class(school), guardians=2)
    first, second = f.parent_accounts(pupil)
    own = f.pupil_account(pupil)
    assert re.fullmatch(r"[1-9]\d{6}", first.login)
    assert re.fullmatch(r"[1-9]\d{6}", second.login)
    assert first.login != second.login
    assert own.login == first.login + "u"
    assert first.password_hash is None and own.password_hash is None  # no letter, no password


def test_a_guardian_of_two_children_gets_one_login_per_child(gradebook_app):
    school = f.make_school()
    school_class = f.make_class(school)
    first_child = f.make_family(school_class)
    mother = first_child.guardianships[0].guardian
    second_child = f.make_family(f.make_class(school, "4a"), guardian_objs=[mother])
    (login_1,), (login_2,) = f.parent_accounts(first_child), f.parent_accounts(second_child)
    assert login_1.login != login_2.login
    assert login_1.family_pupil().id == first_child.id
    assert login_2.family_pupil().id == second_child.id


def test_generated_logins_are_unique_and_not_sequential(gradebook_app):
    school = f.make_school()
    school_class = f.make_class(school)
    for _ in range(40):
        f.make_family(school_class)
    logins = sorted(int(a.login) for a in db.session.execute(db.select(SchoolAccount).where(
        SchoolAccount.role == "parent")).scalars())
    assert len(set(logins)) == 40
    gaps = {b - a for a, b in zip(logins, logins[1:], strict=False)}
    assert gaps != {1}  # not a counter
    assert max(gaps) > 1000


def test_generated_passwords_satisfy_the_policy_without_look_alikes(gradebook_app):
    for _ in range(200):
        password = generate_password()
        assert len(password) >= 10
        assert check_password(password).ok
        assert not set(password) & set("0O1lIiS5Z2B8o")


def test_issued_password_signs_in_and_leads_to_first_login(gradebook_app, gradebook_client):
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    password = f.issue(parent)
    f.commit()
    gradebook_client.get("/login")
    response = gradebook_client.post("/login", data={"login": parent.login, "password": password})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/first-login")


@pytest.mark.parametrize("which", ["login", "password", "both", "no-password-yet"])
def test_wrong_credentials_get_one_message(gradebook_app, gradebook_client, which):
    school = f.make_school()
    pupil = f.make_family(f.make_class(school), guardians=2)
    parent, unprinted = f.parent_accounts(pupil)
    f.make_ready(parent)
    f.commit()
    login, password = {
        "login": ("9999999", f.PASSWORD),
        "password": (parent.login, "Zly-Haslo-123"),
        "both": ("9999998", "Zly-Haslo-123"),
        "no-password-yet": (unprinted.login, ""),
    }[which]
    gradebook_client.get("/login?lang=en")
    response = gradebook_client.post("/login", data={"login": login, "password": password or "x"})
    assert response.status_code == 401
    assert b"Wrong login or password." in response.data
    assert b"csrf_token" in response.data and login.encode() in response.data  # input kept


def test_login_is_throttled_per_login(gradebook_app, gradebook_client):
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.make_ready(parent)
    f.commit()
    gradebook_client.get("/login?lang=en")
    for _ in range(5):
        gradebook_client.post("/login", data={"login": parent.login, "password": "Wrong12345"})
    response = gradebook_client.post("/login", data={"login": parent.login,
                                                     "password": f.PASSWORD})
    assert response.status_code == 401
    assert b"Too many failed attempts" in response.data


def test_login_without_csrf_token_is_refused(gradebook_app, gradebook_client):
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.make_ready(parent)
    f.commit()
    response = gradebook_client.post("/login", data={"login": parent.login,
                                                     "password": f.PASSWORD, "csrf_token": ""})
    assert response.status_code == 400


def test_successful_login_is_audited_and_cookie_is_safe(gradebook_app, gradebook_client):
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.make_ready(parent)
    f.commit()
    response = f.sign_in(gradebook_client, parent)
    assert response.status_code == 302
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    events = db.session.execute(db.select(AuditEvent.event).where(
        AuditEvent.actor == parent.login)).scalars().all()
    assert "login.succeeded" in events
    assert gradebook_client.get("/").status_code in (200, 302)


def test_home_redirects_anonymous_users_to_login(gradebook_client):
    response = gradebook_client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_logout_ends_the_session(gradebook_app, gradebook_client):
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.make_ready(parent)
    f.commit()
    f.sign_in(gradebook_client, parent)
    gradebook_client.get("/account")
    assert gradebook_client.post("/logout", data={}).status_code == 302
    assert gradebook_client.get("/account").status_code == 302
