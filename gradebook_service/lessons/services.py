"""Open a lesson, mark attendance, compute attendance percentages, and the excuse flow.

Attendance percentage (frekwencja) = lessons attended / lessons counted × 100, where
present, late and school-related absence count as attended, absent and excused
as missed, and released (zwolniony) lessons are left out of both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import PUPIL, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.history.services import record_change
from gradebook_service.lessons.models import (
    ABSENT,
    ACCEPTED,
    EXCUSED,
    LATE,
    PENDING,
    PRESENT,
    REJECTED,
    RELEASED,
    SCHOOL_DUTY,
    STATUSES,
    Attendance,
    Excuse,
    ExcuseItem,
    Lesson,
)
from gradebook_service.notifications.hooks import absences_marked
from gradebook_service.school.free_days import refuse_free_day
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import (
    Guardianship,
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
    Subject,
)
from gradebook_service.school.years import current_class_ids_query
from gradebook_service.timetable.services import class_plan, teacher_plan
from shared.collation import order_by_name
from shared.database import upsert, utcnow

ATTENDED = (PRESENT, LATE, SCHOOL_DUTY)
MISSED = (ABSENT, EXCUSED)

#: Labels and register symbols of the base statuses.
STATUS_LABELS = {
    PRESENT: (_l("present"), "•"),
    ABSENT: (_l("absent"), "nb"),
    EXCUSED: (_l("absent (excused)"), "u"),
    LATE: (_l("late"), "sp"),
    RELEASED: (_l("released"), "zw"),
    SCHOOL_DUTY: (_l("school-related absence"), "ns"),
}


class LessonError(Exception):
    """A lesson cannot be opened or saved; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


class ExcuseError(LessonError):
    """An excuse cannot be submitted or decided."""


@dataclass(frozen=True)
class AttendanceType:
    """A type a teacher can mark: a base status or a school's own type mapped to one."""

    code: str
    label: object  # a lazy string for the base statuses
    symbol: str
    status: str


def attendance_types(school: School) -> list[AttendanceType]:
    """The base statuses (except excused, which only an accepted excuse sets) and the school's own."""
    types = [AttendanceType(code, label, symbol, code)
             for code, (label, symbol) in STATUS_LABELS.items() if code != EXCUSED]
    for custom in (school.settings or {}).get("attendance_types", []):
        if custom.get("maps_to") in STATUSES and custom.get("code") and custom.get("label"):
            types.append(AttendanceType(str(custom["code"])[:12], str(custom["label"]),
                                        str(custom.get("symbol") or custom["code"])[:4],
                                        custom["maps_to"]))
    return types


def status_symbol(school: School, status: str, type_code: str | None) -> tuple[str, str]:
    """(symbol, label) for an attendance record, honouring the school's own types."""
    if type_code:
        for t in attendance_types(school):
            if t.code == type_code:
                return t.symbol, t.label
    label, symbol = STATUS_LABELS[status]
    return symbol, label


def percent(attended: int, missed: int) -> float | None:
    """Attendance percentage rounded to one decimal, or None when nothing was counted."""
    total = attended + missed
    return round(100.0 * attended / total, 1) if total else None


# --- teacher: lessons --------------------------------------------------------------------

def open_lesson(account: SchoolAccount, class_id: int, subject_id: int, day: date,
                period_number: int) -> Lesson:
    """Return the teacher's own lesson for a slot of their plan on ``day``, creating it the first time.

    The lesson returned is always recorded under this teacher, so the lesson screen
    (which lets a teacher edit only their own lessons) never refuses it:

    * another teacher of the same slot (a second group of the class) has a lesson of
      their own, not this one;
    * a lesson opened by a teacher the timetable no longer gives the slot to (a
      substitution recorded afterwards) passes to the teacher who now teaches it.
    """
    staff = account.staff
    refuse_free_day(account.school_id, day, LessonError)
    slots = [s for s in teacher_plan(account.school_id, staff.id, day)
             if s.class_id == class_id and s.subject_id == subject_id
             and s.period_number == period_number and not s.cancelled]
    if not slots:
        raise LessonError(_l("This lesson is not in your timetable for that day."))
    of_slot = (Lesson.school_id == account.school_id, Lesson.class_id == class_id,
               Lesson.date == day, Lesson.period_number == period_number,
               Lesson.subject_id == subject_id)
    lessons = list(db.session.execute(sa.select(Lesson).where(*of_slot).order_by(Lesson.id))
                   .scalars())
    for lesson in lessons:
        if lesson.teacher_id == staff.id:
            return lesson
    if lessons:
        teaching = {s.teacher_id for s in class_plan(account.school_id, class_id, day, days=1)
                    if s.subject_id == subject_id and s.period_number == period_number
                    and not s.cancelled}
        for lesson in lessons:
            if lesson.teacher_id not in teaching and _take_over(lesson, staff.id):
                return lesson
    # ON CONFLICT DO NOTHING: a second click (or tab) opening the same lesson at once
    # finds the first one's row instead of failing on the unique constraint.
    db.session.execute(upsert(db, Lesson.__table__, {
        "school_id": account.school_id, "class_id": class_id, "subject_id": subject_id,
        "teacher_id": staff.id, "date": day, "period_number": period_number, "topic": "",
        "created_at": utcnow()}, keys=["school_id", "class_id", "date", "period_number",
                                       "subject_id", "teacher_id"]))
    return db.session.execute(sa.select(Lesson).where(
        *of_slot, Lesson.teacher_id == staff.id)).scalar_one()


def _take_over(lesson: Lesson, teacher_id: int) -> bool:
    """Pass a stale lesson to ``teacher_id`` unless another teacher took it over first.

    A conditional UPDATE, not a read-then-write: of two teachers of one slot opening it
    at the same moment only one gets the lesson; the other opens a lesson of their own.
    """
    taken = db.session.execute(
        sa.update(Lesson).where(Lesson.school_id == lesson.school_id, Lesson.id == lesson.id,
                                Lesson.teacher_id == lesson.teacher_id)
        .values(teacher_id=teacher_id).execution_options(synchronize_session=False))
    db.session.refresh(lesson)
    return taken.rowcount == 1


def lesson_for_teacher(account: SchoolAccount, lesson_id: int) -> Lesson | None:
    """A lesson the staff member taught (or, for admin/secretary, any of the school's)."""
    lesson = get_owned(Lesson, account.school_id, lesson_id)
    if lesson is None or lesson.school_id != account.school_id:
        return None
    staff = account.staff
    if lesson.teacher_id == staff.id or staff.is_admin:
        return lesson
    return None


def lesson_attendance(lesson: Lesson) -> list[tuple[Pupil, Attendance | None]]:
    """The class list with each pupil's attendance record in ``lesson`` (None: not marked yet)."""
    rows = db.session.execute(
        sa.select(Pupil, Attendance).outerjoin(Attendance, sa.and_(
            Attendance.pupil_id == Pupil.id, Attendance.lesson_id == lesson.id,
            Attendance.school_id == lesson.school_id))
        .where(Pupil.school_id == lesson.school_id, Pupil.class_id == lesson.class_id)
        .order_by(Pupil.register_number, *order_by_name(Pupil.last_name, Pupil.first_name)))
    return [tuple(r) for r in rows]


def _snapshot(record: Attendance) -> dict:
    return {"status": record.status, "type": record.type_code, "date": record.date.isoformat(),
            "lesson_id": record.lesson_id}


def save_lesson(account: SchoolAccount, school: School, lesson: Lesson, topic: str,
                marks: dict[int, str]) -> int:
    """Save the topic and each pupil's attendance code (missing: present); return changes made.

    An excused absence stays excused unless the teacher marks the pupil present,
    late or released (then the pupil was there after all).
    """
    topic = (topic or "").strip()
    if not topic:
        raise LessonError(_l("Enter the topic of the lesson."))
    if len(topic) > 300:
        raise LessonError(_l("The topic may be at most 300 characters long."))
    types = {t.code: t for t in attendance_types(school)}
    unknown = [code for code in marks.values() if code and code not in types]
    if unknown:
        raise LessonError(_l("Unknown attendance type: %(code)s", code=unknown[0]))
    if lesson.topic and lesson.topic != topic:
        # A corrected topic is a change to the register: the change log keeps the old one.
        record_change(lesson.school_id, "lesson", lesson.id, pupil_id=None,
                      class_id=lesson.class_id, action="update",
                      old={"text": lesson.topic}, new={"text": topic}, actor=account)
    lesson.topic = topic
    changed = 0
    newly_absent = []
    for pupil, record in lesson_attendance(lesson):
        kind = types[marks.get(pupil.id) or PRESENT]
        status, type_code = kind.status, (kind.code if kind.code != kind.status else None)
        if record is None:
            record = Attendance(school_id=lesson.school_id, lesson_id=lesson.id, pupil_id=pupil.id,
                                subject_id=lesson.subject_id, date=lesson.date, status=status,
                                type_code=type_code)
            db.session.add(record)
            db.session.flush()
            newly_absent += [pupil.id] if status == ABSENT else []
            record_change(lesson.school_id, "attendance", record.id, pupil_id=pupil.id,
                          action="create", old=None, new=_snapshot(record), actor=account)
            changed += 1
            continue
        if record.status == EXCUSED and status == ABSENT:
            continue
        old = _snapshot(record)
        newly_absent += [pupil.id] if status == ABSENT != record.status else []
        record.status, record.type_code = status, type_code
        new = _snapshot(record)
        if old != new:
            record.updated_at = utcnow()
            record_change(lesson.school_id, "attendance", record.id, pupil_id=pupil.id,
                          action="update", old=old, new=new, actor=account)
            changed += 1
    db.session.flush()
    absences_marked(lesson.school_id, lesson.date, newly_absent)
    return changed


# --- families: attendance ----------------------------------------------------------------

@dataclass
class Percentages:
    """Attended/missed counts for term 1, term 2 and the year."""

    counts: dict[str, list[int]] = field(default_factory=lambda: {
        "term1": [0, 0], "term2": [0, 0], "year": [0, 0]})
    absences: dict[str, int] = field(default_factory=lambda: {
        ABSENT: 0, EXCUSED: 0, LATE: 0, RELEASED: 0, SCHOOL_DUTY: 0})

    def add(self, term: int, status: str, n: int) -> None:
        index = 0 if status in ATTENDED else 1 if status in MISSED else None
        if status in self.absences:
            self.absences[status] += n
        if index is None:
            return
        self.counts[f"term{term}"][index] += n
        self.counts["year"][index] += n

    def pct(self, period: str) -> float | None:
        attended, missed = self.counts[period]
        return percent(attended, missed)


def attendance_summary(school_id: int, pupil_id: int, year: SchoolYear
                       ) -> tuple[Percentages, list[tuple[str, Percentages]]]:
    """Overall and per-subject attendance of a pupil for each term and the year (one query)."""
    second = year.terms[1].starts_on if len(year.terms) > 1 else year.ends_on
    term_no = sa.case((Attendance.date >= second, 2), else_=1)
    rows = db.session.execute(
        sa.select(Subject.name, term_no, Attendance.status, sa.func.count())
        .join(Subject, Subject.id == Attendance.subject_id)
        .where(Attendance.school_id == school_id, Attendance.pupil_id == pupil_id,
               Attendance.date >= year.starts_on, Attendance.date <= year.ends_on)
        .group_by(Subject.name, term_no, Attendance.status))
    overall = Percentages()
    subjects: dict[str, Percentages] = {}
    for subject_name, term, status, n in rows:
        overall.add(term, status, n)
        subjects.setdefault(subject_name, Percentages()).add(term, status, n)
    return overall, sorted(subjects.items())


def pupil_attendance(school_id: int, pupil_id: int, start: date, end: date,
                     topics: bool = False) -> list[tuple]:
    """A pupil's attendance records between two dates, with subject and period number (and,
    with ``topics``, the lesson's topic, which families read in the day view)."""
    rows = db.session.execute(
        sa.select(Attendance, Subject.name, Lesson.period_number,
                  *([Lesson.topic] if topics else []))
        .join(Subject, Subject.id == Attendance.subject_id)
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .where(Attendance.school_id == school_id, Attendance.pupil_id == pupil_id,
               Attendance.date >= start, Attendance.date <= end)
        .order_by(Attendance.date.desc(), Lesson.period_number))
    return [tuple(r) for r in rows]


def excusable_absences(school_id: int, pupil_id: int) -> list[tuple[Attendance, str, int]]:
    """Unexcused absences not already covered by a pending or accepted excuse."""
    covered = (sa.select(ExcuseItem.attendance_id)
               .join(Excuse, Excuse.id == ExcuseItem.excuse_id)
               .where(ExcuseItem.school_id == school_id, Excuse.school_id == school_id,
                      Excuse.pupil_id == pupil_id, Excuse.status.in_((PENDING, ACCEPTED))))
    rows = db.session.execute(
        sa.select(Attendance, Subject.name, Lesson.period_number)
        .join(Subject, Subject.id == Attendance.subject_id)
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .where(Attendance.school_id == school_id, Attendance.pupil_id == pupil_id,
               Attendance.status == ABSENT, Attendance.id.not_in(covered),
               # last year's attendance is archived: nothing of it changes any more
               Lesson.class_id.in_(current_class_ids_query(school_id)))
        .order_by(Attendance.date.desc(), Lesson.period_number))
    return [tuple(r) for r in rows]


#: School setting (School.settings): adult pupils may excuse their own absences.
ADULT_PUPILS_MAY_EXCUSE = "adult_pupils_may_excuse"


def may_submit_excuses(account: SchoolAccount, pupil: Pupil, on: date | None = None) -> bool:
    """Parents excuse absences; a pupil only when adult and the school allows it."""
    if account.role != PUPIL:
        return True
    on = on or date.today()
    born = pupil.birth_date
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    school = db.session.get(School, pupil.school_id)
    return age >= 18 and bool((school.settings or {}).get(ADULT_PUPILS_MAY_EXCUSE))


def submit_excuse(account: SchoolAccount, pupil: Pupil, attendance_ids: list[int],
                  reason: str, on: date | None = None) -> Excuse:
    """File an excuse for some of ``pupil``'s unexcused absences."""
    if not may_submit_excuses(account, pupil, on):
        raise ExcuseError(_l("Absences are excused by a parent or guardian. Ask them to send "
                             "the excuse from their own login."))
    reason = (reason or "").strip()
    if not attendance_ids:
        raise ExcuseError(_l("Choose at least one absence to excuse."))
    if not reason:
        raise ExcuseError(_l("Give the reason for the absence."))
    if len(reason) > 1000:
        raise ExcuseError(_l("The reason may be at most 1000 characters long."))
    allowed = {a.id for a, *_ in excusable_absences(pupil.school_id, pupil.id)}
    if not set(attendance_ids) <= allowed:
        raise ExcuseError(_l("Some of the chosen absences cannot be excused (already excused "
                             "or waiting for a decision)."))
    excuse = Excuse(school_id=pupil.school_id, pupil_id=pupil.id,
                    submitted_by_account_id=account.id, reason=reason, status=PENDING)
    db.session.add(excuse)
    db.session.flush()
    for attendance_id in sorted(set(attendance_ids)):
        db.session.add(ExcuseItem(school_id=pupil.school_id, excuse_id=excuse.id,
                                  attendance_id=attendance_id))
    db.session.flush()
    return excuse


def family_excuses(school_id: int, pupil_id: int) -> list[Excuse]:
    """A pupil's excuses, newest first, with their items."""
    return list(db.session.execute(
        sa.select(Excuse).where(Excuse.school_id == school_id, Excuse.pupil_id == pupil_id)
        .order_by(Excuse.created_at.desc())
        .options(sa.orm.selectinload(Excuse.items).joinedload(ExcuseItem.attendance),
                 sa.orm.joinedload(Excuse.decided_by))).unique().scalars())


def homeroom_excuses(account: SchoolAccount, status: str = PENDING) -> list[Excuse]:
    """Excuses of pupils in the classes the staff member leads."""
    led = sa.select(SchoolClass.id).where(SchoolClass.school_id == account.school_id,
                                          SchoolClass.homeroom_teacher_id == account.staff_id)
    return list(db.session.execute(
        sa.select(Excuse).join(Pupil, Pupil.id == Excuse.pupil_id)
        .where(Excuse.school_id == account.school_id, Excuse.status == status,
               Pupil.school_id == account.school_id, Pupil.class_id.in_(led))
        .order_by(Excuse.created_at)
        .options(sa.orm.joinedload(Excuse.pupil),
                 sa.orm.joinedload(Excuse.submitted_by).joinedload(SchoolAccount.guardianship)
                 .joinedload(Guardianship.guardian),
                 sa.orm.joinedload(Excuse.submitted_by).joinedload(SchoolAccount.pupil),
                 sa.orm.selectinload(Excuse.items).joinedload(ExcuseItem.attendance)
                 .joinedload(Attendance.lesson).joinedload(Lesson.subject))).unique().scalars())


def excuse_for_homeroom(account: SchoolAccount, excuse_id: int) -> Excuse | None:
    """An excuse the staff member may decide: the pupil is in a class they lead."""
    excuse = get_owned(Excuse, account.school_id, excuse_id)
    if excuse is None or excuse.school_id != account.school_id:
        return None
    if excuse.pupil.school_class.homeroom_teacher_id != account.staff_id:
        return None
    return excuse


def decide_excuse(account: SchoolAccount, excuse: Excuse, accept: bool,
                  note: str | None = None) -> None:
    """Accept (absences become excused) or reject a pending excuse."""
    if excuse.status != PENDING:
        raise ExcuseError(_l("This excuse has already been decided."))
    excuse.status = ACCEPTED if accept else REJECTED
    excuse.decided_by_id = account.staff_id
    excuse.decided_at = utcnow()
    excuse.decision_note = (note or "").strip()[:300] or None
    if accept:
        for item in excuse.items:
            record = item.attendance
            if record.status != ABSENT:
                continue
            old = _snapshot(record)
            record.status, record.type_code = EXCUSED, None
            record.updated_at = utcnow()
            record_change(excuse.school_id, "attendance", record.id, pupil_id=record.pupil_id,
                          action="update", old=old, new=_snapshot(record), actor=account)
    db.session.flush()
