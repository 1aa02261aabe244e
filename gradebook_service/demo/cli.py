"""``flask --app gradebook_service seed-demo [--json]``: the demo school with working logins.

Running it again duplicates nothing: the school, classes and people are found by
name, and the roster goes through the same idempotent import as a real one.
Demo passwords and TOTP secrets are derived from the instance secret (HMAC), so
every run prints the same working logins, and re-running puts back any demo
password changed in the meantime. One parent account is put back on an issued
password each run, to try the first-login flow. All other families have no
password (as before a letter is printed): nothing is hashed for them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from gradebook_service.accounts.issued_passwords import (
    PASSWORD_DIGITS,
    PASSWORD_LOWER,
    PASSWORD_UPPER,
    apply_issued_password,
)
from gradebook_service.accounts.logins import accounts_by_ids, ensure_staff_account
from gradebook_service.accounts.models import PARENT, PUPIL, SchoolAccount
from gradebook_service.accounts.second_factor import seal_totp_secret
from gradebook_service.accounts.terms import current_terms
from gradebook_service.demo.people import (
    SCHOOL_ADDRESS,
    SCHOOL_NAME,
    SCHOOL_SHORT,
    STAFF,
    SUBJECTS,
    DemoShape,
    build_roster,
    school_year_for,
)
from gradebook_service.extensions import db
from gradebook_service.roster.services import import_roster
from gradebook_service.school.free_days import (
    add_school_free_day,
    fill_statutory_free_days,
    year_free_days,
)
from gradebook_service.school.models import (
    SCHOOL_DAY_OFF,
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
from shared.password_policy import check_password
from shared.passwords import current_hasher
from shared.settings import require_real_secret


@dataclass
class DemoPeople:
    """What the seed created, for the register's demo data and for the printout."""

    school: School
    year: SchoolYear
    classes: dict[str, SchoolClass]
    staff: dict[str, StaffMember]
    subjects: dict[str, Subject]
    printed: list[dict] = field(default_factory=list)


def _derived(purpose: str, login: str) -> bytes:
    return hmac.new(current_app.config["SECRET_KEY"].encode(),
                    f"e-dziennik demo {purpose} {login}".encode(), hashlib.sha256).digest()


def demo_password(login: str) -> str:
    """A password that passes the policy, the same for the same login and instance secret."""
    alphabet = PASSWORD_UPPER + PASSWORD_LOWER + PASSWORD_DIGITS
    counter = 0
    while True:
        digest = _derived(f"password {counter}", login)
        body = "".join(alphabet[b % len(alphabet)] for b in digest[:9])
        password = (PASSWORD_UPPER[digest[10] % len(PASSWORD_UPPER)] + body
                    + PASSWORD_DIGITS[digest[11] % len(PASSWORD_DIGITS)]
                    + PASSWORD_LOWER[digest[12] % len(PASSWORD_LOWER)])
        if check_password(password).ok:
            return password
        counter += 1


def demo_totp_secret(login: str) -> str:
    return base64.b32encode(_derived("totp", login)[:20]).decode()


def _get_or_create(model, lookup: dict, **values):
    row = db.session.execute(sa.select(model).filter_by(**lookup)).scalar_one_or_none()
    if row is None:
        row = model(**lookup, **values)
        db.session.add(row)
        db.session.flush()
    return row


def seed_school(today: date | None = None) -> tuple[School, SchoolYear]:
    today = today or date.today()
    school = _get_or_create(School, {"name": SCHOOL_NAME}, short_name=SCHOOL_SHORT,
                            address=SCHOOL_ADDRESS, phone="32 434 00 05",
                            email="sekretariat@sp5.example.org", settings={})
    name, start, end, term2_start, term1_end = school_year_for(today)
    year = db.session.execute(sa.select(SchoolYear).where(
        SchoolYear.school_id == school.id, SchoolYear.name == name)).scalar_one_or_none()
    if year is None:
        db.session.execute(sa.update(SchoolYear).where(SchoolYear.school_id == school.id)
                           .values(is_current=False))
        year = SchoolYear(school_id=school.id, name=name, starts_on=start, ends_on=end,
                          is_current=True)
        db.session.add(year)
        db.session.flush()
    _get_or_create(Term, {"school_id": school.id, "school_year_id": year.id, "number": 1},
                   starts_on=start, ends_on=term1_end)
    _get_or_create(Term, {"school_id": school.id, "school_year_id": year.id, "number": 2},
                   starts_on=term2_start, ends_on=end)
    fill_statutory_free_days(year)
    _demo_day_off(year)
    current_terms(school.id)
    return school, year


def _demo_day_off(year: SchoolYear) -> None:
    """The demo school's own day off: 14 October (Dzień Edukacji Narodowej), if a weekday."""
    day = date(year.starts_on.year, 10, 14)
    known = {(f.kind, f.starts_on) for f in year_free_days(year.school_id, year.id)}
    if day.weekday() < 5 and (SCHOOL_DAY_OFF, day) not in known:
        add_school_free_day(year, day, day, "Dzień Edukacji Narodowej")


def seed_people(shape: DemoShape, today: date | None = None) -> DemoPeople:
    """Create (or find) the school, its staff, subjects, classes, pupils and guardians."""
    school, year = seed_school(today)
    subjects = {name: _get_or_create(Subject, {"school_id": school.id, "name": name},
                                     short_name=short) for name, short in SUBJECTS}
    staff = {}
    for spec in STAFF:
        member = _get_or_create(StaffMember, {"school_id": school.id,
                                              "first_name": spec.first_name,
                                              "last_name": spec.last_name},
                                is_teacher=spec.is_teacher, is_secretary=spec.is_secretary,
                                is_admin=spec.is_admin,
                                email=f"{spec.login.split('.')[-1]}@sp5.example.org")
        ensure_staff_account(member, login=spec.login)
        staff[spec.key] = member
    import_roster(school.id, build_roster(shape, year.starts_on).csv_text, actor="seed-demo",
                  joined_on=year.starts_on)
    classes = {c.name: c for c in db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_id == school.id, SchoolClass.school_year_id == year.id)).scalars()}
    teachers = [staff[s.key] for s in STAFF if s.is_teacher and not s.is_admin]
    specs = {s.key: s for s in STAFF}
    for index, (name, level) in enumerate(shape.class_names()):
        school_class = classes[name]
        if school_class.homeroom_teacher_id is None:
            school_class.homeroom_teacher_id = teachers[index % len(teachers)].id
        wanted = [s for s in subjects if (s == "edukacja wczesnoszkolna") == (level <= 3)
                  or s in ("język angielski", "wychowanie fizyczne")]
        for subject_name in wanted:
            teacher = next((staff[k] for k, spec in specs.items()
                            if subject_name in spec.subjects), teachers[0])
            _get_or_create(TeachingAssignment, {
                "school_id": school.id, "class_id": school_class.id,
                "subject_id": subjects[subject_name].id, "teacher_id": teacher.id})
    db.session.flush()
    return DemoPeople(school, year, classes, staff, subjects)


def _ready(account: SchoolAccount, password: str, *, totp: bool) -> None:
    """Give a demo account a known password, accepted terms and (staff) a second factor."""
    hasher = current_hasher()
    if not (account.password_hash and hasher.verify(account.password_hash, password).ok):
        account.password_hash = hasher.hash(password)
        account.password_changed_at = utcnow()
        account.session_version = (account.session_version or 1) + 1
    account.must_change_password = False
    account.terms_version_accepted = current_terms(account.school_id).version
    account.is_active = True
    if totp:
        secret = demo_totp_secret(account.login)
        account.totp_secret_encrypted = seal_totp_secret(secret)
        account.totp_enabled_at = account.totp_enabled_at or utcnow()


def _family_entry(account: SchoolAccount, password: str, note: str) -> dict:
    pupil = account.family_pupil()
    return {"role": account.role, "login": account.login, "password": password,
            "name": account.display_name, "pupil": pupil.full_name,
            "class": pupil.school_class.name, "must_change_password":
                account.must_change_password, "note": note}


def publish_demo_logins(people: DemoPeople) -> list[dict]:
    """Set the demo accounts' passwords and return the printout (role, login, password …)."""
    out = []
    for spec in STAFF:
        account = ensure_staff_account(people.staff[spec.key], login=spec.login)
        password = demo_password(account.login)
        _ready(account, password, totp=True)
        role = "admin" if spec.is_admin else "secretary" if spec.is_secretary else "teacher"
        led = [c.name for c in people.classes.values()
               if c.homeroom_teacher_id == people.staff[spec.key].id]
        entry = {"role": role, "login": account.login, "password": password,
                 "name": people.staff[spec.key].full_name,
                 "totp_secret": demo_totp_secret(account.login), "must_change_password": False}
        if led:
            entry["homeroom_class"] = ", ".join(sorted(led))
        out.append(entry)
    school_id = people.school.id
    # The mother of two: one parent login per child.
    sibling_accounts = db.session.execute(
        sa.select(SchoolAccount).join(Guardianship, SchoolAccount.guardianship_id == Guardianship.id)
        .join(Pupil, Guardianship.pupil_id == Pupil.id)
        .where(SchoolAccount.school_id == school_id, Pupil.last_name == "Wiśniewska",
               Pupil.first_name == "Marianna") .union_all(sa.select(SchoolAccount).join(
                   Guardianship, SchoolAccount.guardianship_id == Guardianship.id)
            .join(Pupil, Guardianship.pupil_id == Pupil.id).where(
                SchoolAccount.school_id == school_id, Pupil.last_name == "Wiśniewski",
                Pupil.first_name == "Tymon"))).all()
    sibling_ids = [row[0] for row in sibling_accounts]
    family = [a for a in accounts_by_ids(sibling_ids)
              if a.guardianship.guardian.first_name == "Magdalena"]
    for account in sorted(family, key=lambda a: a.family_pupil().school_class.level):
        password = demo_password(account.login)
        _ready(account, password, totp=False)
        out.append(_family_entry(account, password, "parent of two children (one login each)"))
    # The first pupil of the first class: their pupil login, and a parent on the issued password.
    first_class = people.classes[min(people.classes, key=lambda n: (int(n[0]), n))]
    pupil = first_class.pupils[0]
    pupil_account = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.school_id == school_id, SchoolAccount.pupil_id == pupil.id,
        SchoolAccount.role == PUPIL)).scalar_one()
    password = demo_password(pupil_account.login)
    _ready(pupil_account, password, totp=False)
    out.append(_family_entry(pupil_account, password, "pupil"))
    parent = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.school_id == school_id, SchoolAccount.role == PARENT,
        SchoolAccount.guardianship_id == pupil.guardianships[0].id)).scalar_one()
    password = demo_password(parent.login)
    _ready(parent, password, totp=False)
    out.append(_family_entry(parent, password, "parent"))
    second = first_class.pupils[1] if len(first_class.pupils) > 1 else pupil
    newcomer = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.school_id == school_id, SchoolAccount.role == PARENT,
        SchoolAccount.guardianship_id == second.guardianships[0].id)).scalar_one()
    password = demo_password(newcomer.login)
    # As if the welcome letter had just been printed: the first sign-in asks for a new password.
    apply_issued_password(newcomer, current_hasher().hash(password), printed_by=None)
    newcomer.terms_version_accepted = None
    out.append(_family_entry(newcomer, password,
                             "issued password: try the first sign-in (new password, terms)"))
    return out


@click.command("seed-demo")
@click.option("--json", "as_json", is_flag=True, help="Print the logins as JSON.")
@click.option("--pupils-per-class", default="22-26", show_default=True,
              help="Pupils per class, N or MIN-MAX.")
@click.option("--levels", default="1,2,3,4,5,6,7,8", show_default=True, help="Class levels (1–8).")
@click.option("--sections", default="ab", show_default=True, help="Sections per level, e.g. ab.")
@with_appcontext
def seed_demo_command(as_json: bool, pupils_per_class: str, levels: str, sections: str) -> None:
    """Create the demo school and print working logins (safe to run again)."""
    require_real_secret(current_app)
    low, _sep, high = pupils_per_class.partition("-")
    shape = DemoShape(levels=tuple(int(x) for x in levels.split(",")),
                      sections=tuple(sections), pupils_per_class=(int(low), int(high or low)))
    people = seed_people(shape)
    # The register's demo data (timetable, lessons, attendance, grades …), once per year.
    from gradebook_service.demo.register import seed_register

    seed_register(people.school.id)
    logins = publish_demo_logins(people)
    db.session.commit()
    if as_json:
        click.echo(json.dumps(logins, ensure_ascii=False, indent=2))
        return
    click.echo(f"{people.school.name}, school year {people.year.name}")
    for entry in logins:
        extra = ""
        if entry.get("pupil"):
            extra = f"  pupil: {entry['pupil']} ({entry['class']})"
        if entry.get("homeroom_class"):
            extra = f"  homeroom teacher of {entry['homeroom_class']}"
        if entry.get("totp_secret"):
            extra += f"  TOTP secret: {entry['totp_secret']}"
        if entry.get("note"):
            extra += f"  [{entry['note']}]"
        click.echo(f"{entry['role']:<10} {entry['login']:<18} {entry['password']:<14} "
                   f"{entry['name']}{extra}")
    click.echo("Staff sign in with a TOTP code: add the secret to an authenticator app "
               "(or: python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\").")
