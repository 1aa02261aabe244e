"""The administrator plans the week: bell times and the weekly slots of each class.

Every change is checked first (bell times in order and apart, slots without a
clash of teacher, room or class) and recorded in the change history; a
refused change raises ``PlanError`` with every problem, and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.history.services import record_change
from gradebook_service.school.models import (
    ClassGroup,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subject,
    TeachingAssignment,
)
from gradebook_service.timetable.clashes import WEEKDAYS, PlannedLesson, clashes_with
from gradebook_service.timetable.models import LessonPeriod, TimetableEntry
from gradebook_service.timetable.services import periods

#: The most lessons a school day has (0 is the "zero" lesson some schools hold before 8:00).
MAX_PERIOD = 12


class PlanError(Exception):
    """A planning change was refused; ``problems`` lists every reason (each a sentence)."""

    def __init__(self, problems: list) -> None:
        super().__init__(problems[0])
        self.problems = [str(p) for p in problems]


# --- bell times --------------------------------------------------------------------------

@dataclass(frozen=True)
class BellRow:
    """One typed row of the bell-times form (texts as typed, for showing them again)."""

    number: str
    starts_at: str
    ends_at: str


def _parse_time(text: str) -> time | None:
    try:
        hours, minutes = (int(part) for part in text.strip().replace(".", ":").split(":"))
        return time(hours, minutes)
    except ValueError:
        return None


def check_bell_times(rows: list[BellRow]) -> tuple[dict[int, tuple[time, time]], list]:
    """Parse the rows into {number: (start, end)}; the problems name each row's period."""
    problems: list = []
    parsed: dict[int, tuple[time, time]] = {}
    for row in rows:
        if not (row.number.strip() or row.starts_at.strip() or row.ends_at.strip()):
            continue  # an empty row: nothing typed
        number = int(row.number) if row.number.strip().isdigit() else None
        if number is None or number > MAX_PERIOD:
            problems.append(_l("“%(number)s” is not a lesson number: use 0 to %(max)d.",
                               number=row.number.strip(), max=MAX_PERIOD))
            continue
        if number in parsed:
            problems.append(_l("Lesson %(number)d is listed twice.", number=number))
            continue
        start, end = _parse_time(row.starts_at), _parse_time(row.ends_at)
        if start is None or end is None:
            problems.append(_l("Lesson %(number)d: give the start and the end as HH:MM.",
                               number=number))
            continue
        if start >= end:
            problems.append(_l("Lesson %(number)d: the start (%(start)s) must be before the end "
                               "(%(end)s).", number=number, start=start.strftime("%H:%M"),
                               end=end.strftime("%H:%M")))
            continue
        parsed[number] = (start, end)
    ordered = sorted(parsed.items())
    for (number, (_start, end)), (following, (next_start, _end)) in zip(ordered, ordered[1:],
                                                                        strict=False):
        if next_start < end:
            problems.append(_l("Lesson %(next)d (from %(start)s) overlaps lesson %(number)d "
                               "(until %(end)s).", next=following, number=number,
                               start=next_start.strftime("%H:%M"), end=end.strftime("%H:%M")))
    return parsed, problems


def save_bell_times(account: SchoolAccount, rows: list[BellRow]) -> int:
    """Replace the school's bell times; a period still in the timetable cannot be removed."""
    school_id = account.school_id
    parsed, problems = check_bell_times(rows)
    current = periods(school_id)
    # a lesson whose row has a problem is not being removed: it is being corrected
    typed = {int(r.number) for r in rows if r.number.strip().isdigit()}
    removed = set(current) - set(parsed) - (typed if problems else set())
    if removed:
        used = sorted(set(db.session.execute(sa.select(TimetableEntry.period_number).where(
            TimetableEntry.school_id == school_id,
            TimetableEntry.period_number.in_(removed))).scalars()))
        for number in used:
            problems.append(_l("Lesson %(number)d is in the timetable: move or remove its lessons "
                               "before removing it.", number=number))
    if not parsed and not problems:
        problems.append(_l("Give at least one lesson with its start and end."))
    if problems:
        raise PlanError(problems)
    old = {n: [p.starts_at.strftime("%H:%M"), p.ends_at.strftime("%H:%M")]
           for n, p in current.items()}
    for number in removed:
        db.session.delete(current[number])
    for number, (start, end) in parsed.items():
        period = current.get(number)
        if period is None:
            db.session.add(LessonPeriod(school_id=school_id, number=number, starts_at=start,
                                        ends_at=end))
        else:
            period.starts_at, period.ends_at = start, end
    new = {n: [s.strftime("%H:%M"), e.strftime("%H:%M")] for n, (s, e) in parsed.items()}
    db.session.flush()
    changed = record_change(school_id, "bell_times", school_id, pupil_id=None, action="update",
                            old={str(k): v for k, v in sorted(old.items())},
                            new={str(k): v for k, v in sorted(new.items())}, actor=account)
    return 0 if changed is None else len(parsed)


# --- the weekly slots --------------------------------------------------------------------

@dataclass(frozen=True)
class SlotChoice:
    """A slot as the administrator chose it (ids from the form's own options)."""

    weekday: int | None
    period: int | None
    subject_id: int | None
    teacher_id: int | None
    room: str
    group_id: int | None = None


def year_lessons(school_id: int, year_id: int) -> list[PlannedLesson]:
    """Every weekly slot of the year as the clash rule sees it, in one query."""
    group = aliased(ClassGroup)
    rows = db.session.execute(
        sa.select(TimetableEntry, SchoolClass.name, Subject.name, StaffMember.first_name,
                  StaffMember.last_name, group.name)
        .join(SchoolClass, SchoolClass.id == TimetableEntry.class_id)
        .join(Subject, Subject.id == TimetableEntry.subject_id)
        .join(StaffMember, StaffMember.id == TimetableEntry.teacher_id)
        .outerjoin(group, group.id == TimetableEntry.group_id)
        .where(TimetableEntry.school_id == school_id, TimetableEntry.school_year_id == year_id))
    return [PlannedLesson(e.weekday, e.period_number, e.class_id, class_name, subject_name,
                          e.teacher_id, f"{first} {last}", e.room, e.group_id, group_name, e.id)
            for e, class_name, subject_name, first, last, group_name in rows]


def _owned(model, school_id: int, row_id: int | None, *conditions):
    if row_id is None:
        return None
    return db.session.execute(sa.select(model).where(
        model.id == row_id, model.school_id == school_id, *conditions)).scalar_one_or_none()


def check_slot(school_id: int, klass: SchoolClass, form: SlotChoice,
               entry_id: int | None = None) -> PlannedLesson:
    """The slot as a PlannedLesson, or PlanError naming each problem and each clash."""
    problems: list = []
    if form.weekday not in WEEKDAYS:
        problems.append(_l("Choose the day of the week."))
    bells = periods(school_id)
    if form.period not in bells:
        problems.append(_l("Choose a lesson from the bell times."))
    subject = _owned(Subject, school_id, form.subject_id)
    if subject is None:
        problems.append(_l("Choose the subject."))
    teacher = _owned(StaffMember, school_id, form.teacher_id, StaffMember.is_teacher.is_(True))
    if teacher is None:
        problems.append(_l("Choose the teacher."))
    group = _owned(ClassGroup, school_id, form.group_id, ClassGroup.class_id == klass.id)
    if form.group_id is not None and group is None:
        problems.append(_l("Choose a group of this class, or the whole class."))
    room = form.room.strip()
    if len(room) > 20:
        problems.append(_l("The room has at most 20 characters."))
    if subject is not None and teacher is not None and db.session.execute(
            sa.select(TeachingAssignment.id).where(
                TeachingAssignment.school_id == school_id,
                TeachingAssignment.class_id == klass.id,
                TeachingAssignment.subject_id == subject.id,
                TeachingAssignment.teacher_id == teacher.id).limit(1)).first() is None:
        problems.append(_l("%(teacher)s does not teach %(subject)s in class %(cls)s: add the "
                           "teaching assignment first.", teacher=teacher.full_name,
                           subject=subject.name, cls=klass.name))
    if problems:
        raise PlanError(problems)
    lesson = PlannedLesson(form.weekday, form.period, klass.id, klass.name, subject.name,
                           teacher.id, teacher.full_name, room or None,
                           group.id if group else None, group.name if group else None, entry_id)
    clashes = clashes_with(lesson, year_lessons(school_id, klass.school_year_id))
    if clashes:
        raise PlanError([c.message for c in clashes])
    return lesson


def _snapshot(entry: TimetableEntry) -> dict:
    return {"class_id": entry.class_id, "weekday": entry.weekday, "period": entry.period_number,
            "subject_id": entry.subject_id, "teacher_id": entry.teacher_id, "room": entry.room,
            "group_id": entry.group_id}


def save_slot(account: SchoolAccount, klass: SchoolClass, form: SlotChoice,
              entry: TimetableEntry | None = None) -> TimetableEntry:
    """Add a slot to the class's week (or change ``entry``); PlanError when refused."""
    lesson = check_slot(account.school_id, klass, form, entry.id if entry else None)
    old = _snapshot(entry) if entry else None
    if entry is None:
        entry = TimetableEntry(school_id=account.school_id, school_year_id=klass.school_year_id,
                               class_id=klass.id)
        db.session.add(entry)
    entry.weekday, entry.period_number = lesson.weekday, lesson.period
    entry.subject_id, entry.teacher_id = form.subject_id, lesson.teacher_id
    entry.room, entry.group_id = lesson.room, lesson.group_id
    db.session.flush()
    record_change(account.school_id, "timetable_entry", entry.id, pupil_id=None,
                  action="update" if old else "create", old=old, new=_snapshot(entry),
                  actor=account)
    return entry


def remove_slot(account: SchoolAccount, entry: TimetableEntry) -> None:
    """Take a slot out of the week (lessons already held stay in the register)."""
    record_change(account.school_id, "timetable_entry", entry.id, pupil_id=None,
                  action="delete", old=_snapshot(entry), new=None, actor=account)
    db.session.delete(entry)
    db.session.flush()


def class_week(school_id: int, klass: SchoolClass) -> dict[tuple[int, int], list]:
    """The class's slots by (weekday, period), with subject, teacher and group, in one query."""
    group = aliased(ClassGroup)
    rows = db.session.execute(
        sa.select(TimetableEntry, Subject.name, StaffMember.first_name, StaffMember.last_name,
                  group.name)
        .join(Subject, Subject.id == TimetableEntry.subject_id)
        .join(StaffMember, StaffMember.id == TimetableEntry.teacher_id)
        .outerjoin(group, group.id == TimetableEntry.group_id)
        .where(TimetableEntry.school_id == school_id,
               TimetableEntry.school_year_id == klass.school_year_id,
               TimetableEntry.class_id == klass.id)
        .order_by(TimetableEntry.weekday, TimetableEntry.period_number, group.name))
    week: dict[tuple[int, int], list] = {}
    for entry, subject_name, first, last, group_name in rows:
        week.setdefault((entry.weekday, entry.period_number), []).append(
            (entry, subject_name, f"{first} {last}", group_name))
    return week


def current_classes(school_id: int) -> list[SchoolClass]:
    """The classes of the school's current year, in level and name order."""
    return list(db.session.execute(
        sa.select(SchoolClass).join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(SchoolClass.school_id == school_id, SchoolYear.school_id == school_id,
               SchoolYear.is_current.is_(True))
        .order_by(SchoolClass.level, SchoolClass.name)).scalars())
