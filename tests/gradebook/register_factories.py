"""A small school with a register, built directly in the database for the register tests.

``build_school(scale=1)`` makes one school year (two terms), bell times, two
classes (1a, 1b) with homeroom teachers, three subjects, a weekly timetable,
pupils with a parent and a pupil account each, and (with ``lessons=True``) a
few lessons with attendance and grades. ``scale`` multiplies the data of the
first pupil (grades, lessons) for the query-count tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from gradebook_service.accounts.access import SESSION_KEY, SESSION_VERSION_KEY, open_session
from gradebook_service.accounts.models import PARENT, PUPIL, STAFF, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.grades.models import Assessment, Grade, GradeCategory
from gradebook_service.grades.services import ensure_categories
from gradebook_service.lessons.models import Attendance, Lesson
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
from gradebook_service.timetable.models import LessonPeriod, TimetableEntry
from shared.database import utcnow
from shared.session_records import SID_KEY

YEAR_START = date(2026, 9, 1)
TERM2_START = date(2027, 2, 1)
YEAR_END = date(2027, 6, 25)
#: A Monday in term 1 used as "today" by the tests.
TODAY = date(2026, 10, 5)


@dataclass
class World:
    school: School
    year: SchoolYear
    term1: Term
    term2: Term
    classes: dict[str, SchoolClass] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)
    teachers: dict[str, StaffMember] = field(default_factory=dict)
    staff_accounts: dict[str, SchoolAccount] = field(default_factory=dict)
    pupils: dict[str, list[Pupil]] = field(default_factory=dict)
    parent_accounts: dict[int, SchoolAccount] = field(default_factory=dict)
    pupil_accounts: dict[int, SchoolAccount] = field(default_factory=dict)
    categories: dict[str, GradeCategory] = field(default_factory=dict)


_counter = [0]


def _login() -> str:
    _counter[0] += 1
    return f"{1000000 + _counter[0]}"


def ready(account: SchoolAccount) -> SchoolAccount:
    """Past the first-login gate: terms accepted and, for staff, a second factor enrolled."""
    account.must_change_password = False
    account.terms_version_accepted = 1
    if account.role == STAFF and hasattr(account, "totp_enabled_at"):
        account.totp_secret_encrypted = "test-not-a-real-secret"
        account.totp_enabled_at = utcnow()
    return account


def staff_account(school: School, staff: StaffMember) -> SchoolAccount:
    account = ready(SchoolAccount(school_id=school.id, login=_login(), role=STAFF,
                                  staff_id=staff.id))
    db.session.add(account)
    return account


def build_school(name: str = "SP 5", pupils_per_class: int = 3, settings: dict | None = None,
                 lessons: bool = False, scale: int = 1, level: int = 4) -> World:
    """Create a school with structure, people and accounts (and optionally a register).

    The classes are called 1a and 1b but are of ``level`` (4 by default: graded 1–6; levels
    1–3 get descriptive term grades).
    """
    school = School(name=f"{name} {_login()}", short_name=name, address="ul. Szkolna 1, Żory",
                    phone="32 000 00 00", email="sekretariat@example.edu.pl",
                    settings=settings or {})
    db.session.add(school)
    db.session.flush()
    year = SchoolYear(school_id=school.id, name="2026/2027", starts_on=YEAR_START,
                      ends_on=YEAR_END, is_current=True)
    db.session.add(year)
    db.session.flush()
    term1 = Term(school_id=school.id, school_year_id=year.id, number=1, starts_on=YEAR_START,
                 ends_on=TERM2_START - timedelta(days=1))
    term2 = Term(school_id=school.id, school_year_id=year.id, number=2, starts_on=TERM2_START,
                 ends_on=YEAR_END)
    db.session.add_all([term1, term2])
    for number in range(1, 9):
        start = 8 * 60 + (number - 1) * 55
        db.session.add(LessonPeriod(school_id=school.id, number=number,
                                    starts_at=time(start // 60, start % 60),
                                    ends_at=time((start + 45) // 60, (start + 45) % 60)))
    world = World(school, year, term1, term2)
    for key, (first, last, admin) in {"math": ("Anna", "Nowak", False),
                                      "polish": ("Jan", "Kowalski", False),
                                      "history": ("Ewa", "Wiśniewska", False),
                                      "admin": ("Maria", "Dyrektor", True)}.items():
        member = StaffMember(school_id=school.id, first_name=first, last_name=last,
                             is_teacher=not admin, is_admin=admin)
        db.session.add(member)
        world.teachers[key] = member
    db.session.flush()
    for key, member in world.teachers.items():
        world.staff_accounts[key] = staff_account(school, member)
    for key, (subject_name, short) in {"math": ("Matematyka", "mat"),
                                       "polish": ("Język polski", "pol"),
                                       "history": ("Historia", "his")}.items():
        world.subjects[key] = Subject(school_id=school.id, name=subject_name, short_name=short)
        db.session.add(world.subjects[key])
    db.session.flush()
    for class_name, homeroom in (("1a", "math"), ("1b", "polish")):
        klass = SchoolClass(school_id=school.id, school_year_id=year.id, name=class_name, level=level,
                            homeroom_teacher_id=world.teachers[homeroom].id)
        db.session.add(klass)
        db.session.flush()
        world.classes[class_name] = klass
        for key in ("math", "polish", "history"):
            db.session.add(TeachingAssignment(school_id=school.id, class_id=klass.id,
                                              subject_id=world.subjects[key].id,
                                              teacher_id=world.teachers[key].id))
        # Monday: math 1, polish 2, history 3; Tuesday: polish 1, math 2 (1b shifted one period)
        shift = 0 if class_name == "1a" else 3
        for weekday, period, key in ((1, 1, "math"), (1, 2, "polish"), (1, 3, "history"),
                                     (2, 1, "polish"), (2, 2, "math")):
            db.session.add(TimetableEntry(school_id=school.id, school_year_id=year.id,
                                          class_id=klass.id, weekday=weekday,
                                          period_number=period + shift,
                                          subject_id=world.subjects[key].id,
                                          teacher_id=world.teachers[key].id,
                                          room=f"{10 + period}"))
        world.pupils[class_name] = []
        for n in range(1, pupils_per_class + 1):
            pupil = Pupil(school_id=school.id, class_id=klass.id, first_name=f"Uczeń{n}",
                          last_name=f"Klasa{class_name}", birth_date=date(2019, 1, n),
                          joined_on=YEAR_START, register_number=n)
            guardian = Guardian(school_id=school.id, first_name=f"Rodzic{n}",
                                last_name=f"Klasa{class_name}")
            db.session.add_all([pupil, guardian])
            db.session.flush()
            link = Guardianship(school_id=school.id, pupil_id=pupil.id, guardian_id=guardian.id)
            db.session.add(link)
            db.session.flush()
            parent = ready(SchoolAccount(school_id=school.id, login=_login(), role=PARENT,
                                         guardianship_id=link.id))
            child = ready(SchoolAccount(school_id=school.id, login=_login() + "u", role=PUPIL,
                                        pupil_id=pupil.id))
            db.session.add_all([parent, child])
            world.pupils[class_name].append(pupil)
            world.parent_accounts[pupil.id] = parent
            world.pupil_accounts[pupil.id] = child
    db.session.flush()
    world.categories = {c.name: c for c in ensure_categories(school.id)}
    if lessons:
        add_register(world, scale)
    db.session.commit()
    return world


def add_register(world: World, scale: int = 1, first_week: int = 0) -> None:
    """Lessons with attendance and grades for class 1a (``scale`` × the data).

    Lessons fill 4 × ``scale`` Mondays from ``first_week`` weeks after the first one.
    """
    school, klass = world.school, world.classes["1a"]
    pupils = world.pupils["1a"]
    day = YEAR_START + timedelta(days=(7 - YEAR_START.weekday()) % 7 + 7 * first_week)
    made = 0
    while made < 4 * scale:
        for period, key in ((1, "math"), (2, "polish"), (3, "history")):
            lesson = Lesson(school_id=school.id, class_id=klass.id,
                            subject_id=world.subjects[key].id, teacher_id=world.teachers[key].id,
                            date=day, period_number=period, topic=f"Temat {made}")
            db.session.add(lesson)
            db.session.flush()
            for i, pupil in enumerate(pupils):
                status = "absent" if (i == 0 and made % 4 == 0) else "present"
                db.session.add(Attendance(school_id=school.id, lesson_id=lesson.id,
                                          pupil_id=pupil.id, subject_id=lesson.subject_id,
                                          date=day, status=status))
        made += 1
        day += timedelta(days=7)
    category = world.categories["Kartkówka"]
    for i in range(5 * scale):
        for key in ("math", "polish", "history"):
            assessment = Assessment(school_id=school.id, class_id=klass.id,
                                    subject_id=world.subjects[key].id, term_id=world.term1.id,
                                    teacher_id=world.teachers[key].id, category_id=category.id,
                                    weight=category.weight, date=YEAR_START + timedelta(days=i % 60),
                                    description=f"Kartkówka {i}")
            db.session.add(assessment)
            db.session.flush()
            for pupil in pupils:
                db.session.add(Grade(school_id=school.id, assessment_id=assessment.id,
                                     pupil_id=pupil.id, subject_id=assessment.subject_id,
                                     term_id=world.term1.id, value=["5", "4+", "3-", "np"][i % 4],
                                     teacher_id=assessment.teacher_id))
    db.session.flush()


def sign_in(client, account: SchoolAccount) -> None:
    """Sign ``account`` in on a test client by setting the session (and its server record)."""
    sid = open_session(account)
    db.session.commit()
    with client.session_transaction() as session:
        session[SESSION_KEY] = account.id
        session[SESSION_VERSION_KEY] = account.session_version
        session[SID_KEY] = sid
