"""Lost login or password: staff record it, the admin prints a new one; reset by e-mail link."""

import io
import re

from pypdf import PdfReader

from gradebook_service.accounts.models import PasswordResetRequest, SchoolAccount
from gradebook_service.core.models import AuditEvent, OutboxMessage
from gradebook_service.extensions import db
from gradebook_service.school.keys import find_by_id
from shared.mail_requests import current_mail_requests
from tests.gradebook import accounts_factories as f


def _setup():
    school = f.make_school()
    admin = f.make_staff(school, admin=True)
    homeroom = f.make_staff(school)
    school_class = f.make_class(school, "2b", homeroom=homeroom.staff)
    pupil = f.make_family(school_class)
    (parent,) = f.parent_accounts(pupil)
    f.make_ready(parent)
    f.commit()
    return school, admin, homeroom, parent


def test_homeroom_teacher_reports_admin_resolves_old_password_dies(gradebook_app):
    school, admin, homeroom, parent = _setup()
    family = gradebook_app.test_client()
    f.sign_in(family, parent)
    assert family.get("/account").status_code == 200
    teacher = gradebook_app.test_client()
    f.sign_in(teacher, homeroom)
    teacher.get("/admin/reset-requests")
    response = teacher.post("/admin/reset-requests", data={
        "login": parent.login, "note": "Mama przyszła osobiście, dowód sprawdzony"})
    assert response.status_code == 303
    row = db.session.execute(db.select(PasswordResetRequest)).scalar_one()
    assert row.status == "open" and row.reported_by_id == homeroom.id
    office = gradebook_app.test_client()
    f.sign_in(office, admin)
    page = office.get("/admin/reset-requests").data.decode()
    assert parent.login in page
    response = office.post(f"/admin/reset-requests/{row.id}/resolve", data={})
    assert response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    new_password = re.search(r"(?:Hasło|Password):\s*(\S+)", text).group(1)
    assert parent.login in text
    # The family's open session ended, the old password fails, the new one works (once).
    assert family.get("/account").status_code == 302
    probe = gradebook_app.test_client()
    probe.get("/login")
    assert probe.post("/login", data={"login": parent.login,
                                      "password": f.PASSWORD}).status_code == 401
    response = probe.post("/login", data={"login": parent.login, "password": new_password})
    assert response.headers["Location"].endswith("/first-login")
    events = db.session.execute(db.select(AuditEvent.event).order_by(AuditEvent.id)).scalars().all()
    assert {"reset.requested", "letter.printed", "reset.resolved"} <= set(events)
    db.session.expire_all()
    assert find_by_id(PasswordResetRequest, row.id).status == "done"


def test_a_teacher_of_another_class_cannot_report(gradebook_app, gradebook_client):
    school, admin, homeroom, parent = _setup()
    stranger = f.make_staff(school)
    other_class = f.make_class(school, "3c", homeroom=stranger.staff)
    f.make_family(other_class)
    f.commit()
    f.sign_in(gradebook_client, stranger)
    gradebook_client.get("/admin/reset-requests?lang=en")
    response = gradebook_client.post("/admin/reset-requests", data={"login": parent.login})
    assert response.status_code == 400
    assert db.session.execute(db.select(PasswordResetRequest)).first() is None


def test_only_the_admin_resolves(gradebook_app, gradebook_client):
    school, admin, homeroom, parent = _setup()
    secretary = f.make_staff(school, secretary=True, teacher=False)
    f.commit()
    f.sign_in(gradebook_client, secretary)
    gradebook_client.get("/admin/reset-requests")
    gradebook_client.post("/admin/reset-requests", data={"login": parent.login})
    row = db.session.execute(db.select(PasswordResetRequest)).scalar_one()
    gradebook_client.get("/admin/reset-requests")
    response = gradebook_client.post(f"/admin/reset-requests/{row.id}/resolve", data={})
    assert response.status_code == 403


def _verified(parent):
    parent.recovery_email = "mama@example.org"
    parent.recovery_email_verified_at = f.utcnow()
    f.commit()


def test_reset_by_mail_link_works_once(gradebook_app, gradebook_client):
    school, admin, homeroom, parent = _setup()
    _verified(parent)
    gradebook_client.get("/password-reset?lang=en")
    page = gradebook_client.post("/password-reset", data={"login": parent.login}).data
    assert b"If this login has a confirmed e-mail address" in page
    assert db.session.execute(db.select(OutboxMessage)).first() is None  # the sender mails it
    assert current_mail_requests().resolve_pending() == 1
    mail = db.session.execute(db.select(OutboxMessage)).scalar_one()
    assert mail.recipient == "mama@example.org"
    path = re.search(r"https?://[^/\s]+(/password-reset/\S+)", mail.body_text).group(1)
    gradebook_client.get(path)
    response = gradebook_client.post(path, data={"new_password": "Zielony7Kasztan",
                                                 "new_password_confirm": "Zielony7Kasztan"})
    assert response.status_code == 302
    assert gradebook_client.get(path).status_code == 400  # used: the password changed
    probe = gradebook_app.test_client()
    probe.get("/login")
    assert probe.post("/login", data={"login": parent.login,
                                      "password": "Zielony7Kasztan"}).status_code == 302


def test_reset_request_answers_the_same_for_unknown_and_unverified(gradebook_app,
                                                                   gradebook_client):
    school, admin, homeroom, parent = _setup()
    gradebook_client.get("/password-reset?lang=en")
    answers = {gradebook_client.post("/password-reset", data={"login": login}).data
               .split(b'name="csrf_token"')[0] for login in (parent.login, "1234567")}
    assert len(answers) == 1
    assert current_mail_requests().resolve_pending() == 2
    assert db.session.execute(db.select(OutboxMessage)).first() is None


def test_changing_the_password_ends_other_sessions(gradebook_app):
    school, admin, homeroom, parent = _setup()
    one, two = gradebook_app.test_client(), gradebook_app.test_client()
    f.sign_in(one, parent)
    f.sign_in(two, parent)
    one.get("/account")
    response = one.post("/account/password", data={
        "current_password": f.PASSWORD, "new_password": "Zielony7Kasztan",
        "new_password_confirm": "Zielony7Kasztan"})
    assert response.status_code == 302
    assert one.get("/account").status_code == 200
    assert two.get("/account").status_code == 302
    assert find_by_id(SchoolAccount, parent.id).must_change_password is False


def test_staff_reset_prints_a_staff_letter(gradebook_app):
    school, admin, homeroom, parent = _setup()
    office = gradebook_app.test_client()
    f.sign_in(office, admin)
    office.get("/admin/reset-requests")
    office.post("/admin/reset-requests", data={"login": homeroom.login})
    row = db.session.execute(db.select(PasswordResetRequest)).scalar_one()
    office.get("/admin/reset-requests")
    response = office.post(f"/admin/reset-requests/{row.id}/resolve", data={})
    assert response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert homeroom.login in text and homeroom.staff.full_name in text
    password = re.search(r"(?:Hasło|Password):\s*(\S+)", text).group(1)
    probe = gradebook_app.test_client()
    probe.get("/login")
    response = probe.post("/login", data={"login": homeroom.login, "password": password})
    # The second factor stays: the new password alone is not enough.
    assert response.headers["Location"].endswith("/login/second-factor")


def test_cli_adds_a_staff_member_with_a_letter(gradebook_app, tmp_path):
    f.make_school()
    f.commit()
    out = tmp_path / "staff.pdf"
    result = gradebook_app.test_cli_runner().invoke(args=[
        "accounts", "add-staff", "--first-name", "Żaneta", "--last-name", "Łęcka",
        "--login", "z.lecka", "--teacher", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = PdfReader(str(out)).pages[0].extract_text()
    assert "Żaneta Łęcka" in text and "z.lecka" in text
    password = re.search(r"(?:Hasło|Password):\s*(\S+)", text).group(1)
    client = gradebook_app.test_client()
    client.get("/login")
    response = client.post("/login", data={"login": "z.lecka", "password": password})
    assert response.headers["Location"].endswith("/first-login")
    client.get("/first-login")
    response = client.post("/first-login", data={
        "new_password": "Zielony7Kasztan", "new_password_confirm": "Zielony7Kasztan",
        "accept_terms": "y"})
    assert response.headers["Location"].endswith("/account/second-factor/setup")
    again = gradebook_app.test_cli_runner().invoke(args=[
        "accounts", "add-staff", "--first-name", "X", "--last-name", "Y", "--login", "z.lecka",
        "--teacher", "--out", str(out)])
    assert again.exit_code != 0 and "taken" in again.output


def test_admin_can_also_reset_a_lost_second_factor(gradebook_app):
    school, admin, homeroom, parent = _setup()
    office = gradebook_app.test_client()
    f.sign_in(office, admin)
    office.get("/admin/reset-requests")
    office.post("/admin/reset-requests", data={"login": homeroom.login, "note": "zgubiony telefon"})
    row = db.session.execute(db.select(PasswordResetRequest)).scalar_one()
    page = office.get("/admin/reset-requests").data.decode()
    assert 'name="reset_second_factor"' in page
    response = office.post(f"/admin/reset-requests/{row.id}/resolve",
                           data={"reset_second_factor": "y"})
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    password = re.search(r"(?:Hasło|Password):\s*(\S+)", text).group(1)
    probe = gradebook_app.test_client()
    probe.get("/login")
    response = probe.post("/login", data={"login": homeroom.login, "password": password})
    assert response.headers["Location"].endswith("/first-login")  # then enrols a new phone
    events = db.session.execute(db.select(AuditEvent.event)).scalars().all()
    assert "second_factor.disabled" in events


def test_admin_adds_staff_and_names_a_homeroom_teacher(gradebook_app):
    school, admin, homeroom, parent = _setup()
    office = gradebook_app.test_client()
    f.sign_in(office, admin)
    office.get("/admin/staff?lang=en")
    taken = office.post("/admin/staff", data={"first_name": "Ewa", "last_name": "Nowa",
                                              "login": homeroom.login, "is_teacher": "y"})
    assert taken.status_code == 400 and b"This login is taken." in taken.data
    no_role = office.post("/admin/staff", data={"first_name": "Ewa", "last_name": "Nowa",
                                                "login": "ewa.nowa"})
    assert no_role.status_code == 400 and b"Choose at least one role." in no_role.data
    response = office.post("/admin/staff", data={"first_name": "Ewa", "last_name": "Nowa",
                                                 "login": "Ewa.Nowa", "is_teacher": "y"})
    assert response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "ewa.nowa" in text and "Ewa Nowa" in text
    new = db.session.execute(db.select(SchoolAccount).where(
        SchoolAccount.login == "ewa.nowa")).scalar_one()
    klass = parent.family_pupil().school_class
    office.get(f"/admin/classes/{klass.id}")
    office.post(f"/admin/classes/{klass.id}/homeroom", data={"teacher_id": new.staff_id})
    db.session.expire_all()
    assert klass.homeroom_teacher_id == new.staff_id
    page = office.get("/admin/staff").data.decode()
    assert "ewa.nowa" in page and klass.name in page


def test_only_the_admin_manages_staff(gradebook_app):
    school, admin, homeroom, parent = _setup()
    client = gradebook_app.test_client()
    f.sign_in(client, homeroom)
    assert client.get("/admin/staff").status_code == 403
    client.get("/account")
    assert client.post(f"/admin/staff/{admin.id}/letter", data={}).status_code == 403
