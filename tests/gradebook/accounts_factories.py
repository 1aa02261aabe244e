"""Factories for the accounts tests: a school, classes, families, staff, signed-in clients."""

from __future__ import annotations

import itertools
from datetime import date

import pyotp

from gradebook_service.accounts.issued_passwords import issue_password
from gradebook_service.accounts.logins import ensure_family_accounts, ensure_staff_account
from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.accounts.second_factor import seal_totp_secret
from gradebook_service.accounts.terms import current_terms
from gradebook_service.extensions import db
from gradebook_service.school.models import (
    Guardian,
    Guardianship,
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subject,
    TeachingAssignment,
    Term,
)
from shared.database import utcnow
from shared.passwords import current_hasher

_seq = itertools.count(1)
PASSWORD = "Spokojny7Las"


def make_school(name: str | None = None) -> School:
    """A school with a current year (two terms)."""
    school = School(name=name or f"Szkoła Podstawowa nr {next(_seq)} w Żorach",
                    short_name="SP", address="ul. Szkolna 5, Żory", settings={})
    db.session.add(school)
    db.session.flush()
    year = SchoolYear(school_id=school.id, name="2026/2027", starts_on=date(2026, 9, 1),
                      ends_on=date(2027, 6, 25), is_current=True)
    db.session.add(year)
    db.session.flush()
    db.session.add_all([
        Term(school_id=school.id, school_year_id=year.id, number=1, starts_on=date(2026, 9, 1),
             ends_on=date(2027, 1, 31)),
        Term(school_id=school.id, school_year_id=year.id, number=2, starts_on=date(2027, 2, 1),
             ends_on=date(2027, 6, 25))])
    db.session.flush()
    return school


def current_year(school: School) -> SchoolYear:
    return db.session.execute(db.select(SchoolYear).where(
        SchoolYear.school_id == school.id, SchoolYear.is_current.is_(True))).scalar_one()


def make_class(school: School, name: str = "1a", homeroom: StaffMember | None = None) -> SchoolClass:
    school_class = SchoolClass(school_id=school.id, school_year_id=current_year(school).id,
                               name=name, level=int(name[0]),
                               homeroom_teacher_id=homeroom.id if homeroom else None)
    db.session.add(school_class)
    db.session.flush()
    return school_class


def make_family(school_class: SchoolClass, guardians: int = 1, first: str | None = None,
                last: str = "Wiśniewska", guardian_objs: list[Guardian] | None = None,
                joined_on: date = date(2026, 9, 1)):
    """A pupil with guardians and their accounts (no passwords yet)."""
    n = next(_seq)
    pupil = Pupil(school_id=school_class.school_id, class_id=school_class.id,
                  first_name=first or f"Zofia{n}", last_name=last,
                  birth_date=date(2019, 5, 1), joined_on=joined_on)
    db.session.add(pupil)
    db.session.flush()
    objs = list(guardian_objs or [])
    for i in range(guardians - len(objs)):
        g = Guardian(school_id=school_class.school_id, first_name=f"Anna{n}{i}",
                     last_name=last, email=None)
        db.session.add(g)
        objs.append(g)
    db.session.flush()
    for position, g in enumerate(objs, 1):
        gs = Guardianship(school_id=school_class.school_id, pupil=pupil, guardian=g,
                          position=position)
        db.session.add(gs)
        db.session.flush()
        ensure_family_accounts(gs)
    db.session.flush()
    return pupil


def parent_accounts(pupil: Pupil) -> list[SchoolAccount]:
    return [db.session.execute(db.select(SchoolAccount).where(
        SchoolAccount.guardianship_id == gs.id)).scalar_one() for gs in pupil.guardianships]


def pupil_account(pupil: Pupil) -> SchoolAccount:
    return db.session.execute(db.select(SchoolAccount).where(
        SchoolAccount.pupil_id == pupil.id)).scalar_one()


def make_staff(school: School, *, admin=False, secretary=False, teacher=True,
               login: str | None = None, totp: bool = True) -> SchoolAccount:
    """A staff member with a ready account (password PASSWORD, terms accepted, TOTP on)."""
    n = next(_seq)
    member = StaffMember(school_id=school.id, first_name=f"Jan{n}", last_name="Kowalski",
                         is_admin=admin, is_secretary=secretary, is_teacher=teacher)
    db.session.add(member)
    db.session.flush()
    account = ensure_staff_account(member, login=login or f"staff{n}")
    make_ready(account, totp=totp)
    return account


def teach(teacher: SchoolAccount, school_class: SchoolClass, subject_name: str = "matematyka"):
    subject = db.session.execute(db.select(Subject).where(
        Subject.school_id == school_class.school_id, Subject.name == subject_name)
    ).scalar_one_or_none()
    if subject is None:
        subject = Subject(school_id=school_class.school_id, name=subject_name, short_name="m")
        db.session.add(subject)
        db.session.flush()
    db.session.add(TeachingAssignment(school_id=school_class.school_id, class_id=school_class.id,
                                      subject_id=subject.id, teacher_id=teacher.staff_id))
    db.session.flush()


TOTP_SECRETS: dict[int, str] = {}


def make_ready(account: SchoolAccount, password: str = PASSWORD, totp: bool = False) -> None:
    """Give an account its own password, accepted terms and optionally a TOTP secret."""
    account.password_hash = current_hasher().hash(password)
    account.must_change_password = False
    account.terms_version_accepted = current_terms(account.school_id).version
    if totp:
        secret = pyotp.random_base32()
        account.totp_secret_encrypted = seal_totp_secret(secret)
        account.totp_enabled_at = utcnow()
        TOTP_SECRETS[account.id] = secret
    db.session.flush()


def issue(account: SchoolAccount) -> str:
    """Issue a password as a printed letter would; return it."""
    password = issue_password(account, printed_by=None)
    db.session.flush()
    return password


def commit():
    db.session.commit()


def sign_in(client, account: SchoolAccount, password: str = PASSWORD):
    """Sign in through the login form (and the TOTP step when the account has one)."""
    client.get("/login")
    response = client.post("/login", data={"login": account.login, "password": password})
    if response.status_code == 302 and response.headers["Location"].endswith(
            "/login/second-factor"):
        client.get("/login/second-factor")
        code = pyotp.TOTP(TOTP_SECRETS[account.id]).now()
        response = client.post("/login/second-factor", data={"code": code})
    return response
