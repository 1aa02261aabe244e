"""A deactivated staff member cannot sign in at all (school login, second factor, SSO)."""

import pyotp
import sqlalchemy as sa

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.auth.oidc import linked_accounts
from gradebook_service.core.models import AuditEvent
from gradebook_service.extensions import db
from gradebook_service.history.models import ChangeLogEntry
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import SchoolClass, StaffMember
from tests.gradebook import accounts_factories as f
from tests.support.client import BrowserLikeClient


def _world():
    school = f.make_school()
    admin = f.make_staff(school, admin=True, teacher=False)
    teacher = f.make_staff(school)
    klass = f.make_class(school, "4a", homeroom=teacher.staff)
    f.teach(teacher, klass)
    f.commit()
    return school, admin, teacher, klass


def _client(app) -> BrowserLikeClient:
    return app.test_client()


def _deactivate(app, admin, teacher) -> BrowserLikeClient:
    """Deactivate ``teacher`` on the setup page; return the administrator's client."""
    client = _client(app)
    f.sign_in(client, admin)
    client.get("/setup/staff")
    response = client.post(f"/setup/staff/{teacher.staff_id}/deactivate", data={})
    assert response.status_code == 302
    db.session.expire_all()
    return client


def test_a_deactivated_teacher_is_signed_out_and_cannot_sign_in_again(gradebook_app):
    school, admin, teacher, klass = _world()
    own = _client(gradebook_app)
    f.sign_in(own, teacher)
    assert own.get("/staff/").status_code == 200
    _deactivate(gradebook_app, admin, teacher)
    assert own.get("/staff/").status_code == 302  # the open session ended at once
    fresh = _client(gradebook_app)
    fresh.get("/login")
    right = fresh.post("/login", data={"login": teacher.login, "password": f.PASSWORD})
    fresh.get("/login")
    wrong = fresh.post("/login", data={"login": teacher.login, "password": "Zle-haslo-1"})
    assert right.status_code == wrong.status_code == 401
    assert "Nieprawidłowy login lub hasło." in right.text  # the same message as a wrong password
    assert "Nieprawidłowy login lub hasło." in wrong.text
    assert fresh.get("/staff/").status_code == 302
    member = find_by_id(StaffMember, teacher.staff_id)
    assert member.deactivated_at is not None
    assert find_by_id(SchoolAccount, teacher.id).is_active is False
    # The history stays; the class no longer has them as its homeroom teacher.
    assert find_by_id(SchoolClass, klass.id).homeroom_teacher_id is None
    change = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == "staff_member")).scalar_one()
    assert change.old_value["active"] is True and change.new_value["active"] is False
    assert db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.event == "staff.deactivated")).scalar_one().subject == teacher.login


def test_a_deactivation_between_password_and_second_factor_stops_the_sign_in(gradebook_app):
    school, admin, teacher, _klass = _world()
    client = _client(gradebook_app)
    client.get("/login")
    step = client.post("/login", data={"login": teacher.login, "password": f.PASSWORD})
    assert step.headers["Location"].endswith("/login/second-factor")
    _deactivate(gradebook_app, admin, teacher)
    client.get("/login/second-factor")
    code = pyotp.TOTP(f.TOTP_SECRETS[teacher.id]).now()
    response = client.post("/login/second-factor", data={"code": code})
    assert response.status_code in (302, 303, 400, 401)
    assert client.get("/staff/").status_code == 302  # not signed in


def test_sso_never_signs_in_a_deactivated_staff_account(gradebook_app):
    school, admin, teacher, _klass = _world()
    claims = {"school_accounts": [{"ref": teacher.ref, "role": "staff"}]}
    _deactivate(gradebook_app, admin, teacher)
    assert linked_accounts(claims) == []


def test_reactivation_needs_a_new_letter(gradebook_app):
    school, admin, teacher, _klass = _world()
    client = _deactivate(gradebook_app, admin, teacher)
    client.get("/setup/staff")
    assert client.post(f"/setup/staff/{teacher.staff_id}/reactivate", data={}
                       ).status_code == 302
    db.session.expire_all()
    account = find_by_id(SchoolAccount, teacher.id)
    assert account.is_active and account.password_hash is None
    other = _client(gradebook_app)
    other.get("/login")
    assert other.post("/login", data={"login": teacher.login, "password": f.PASSWORD}
                      ).status_code == 401
    # A new letter gives a working password again.
    password = f.issue(account)
    f.commit()
    other.get("/login")
    assert other.post("/login", data={"login": teacher.login, "password": password}
                      ).status_code == 302

