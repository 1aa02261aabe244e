"""The timetable as it really happens on given dates.

A week's plan is the weekly timetable with that week's changes applied: a
substitution shows the substitute (and subject), a cancellation stays visible
but struck out, a room change shows the new room. Each function issues a fixed
number of queries, whatever the number of lessons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from gradebook_service.extensions import db
from gradebook_service.school.free_days import free_dates, refuse_free_day
from gradebook_service.school.models import (
    ClassGroupMember,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subject,
)
from gradebook_service.school.years import school_year_for
from gradebook_service.timetable.models import (
    CANCELLATION,
    ROOM_CHANGE,
    SUBSTITUTION,
    LessonPeriod,
    TimetableChange,
    TimetableEntry,
)


@dataclass
class Slot:
    """One lesson of one class on one date, changes applied."""

    date: date
    period_number: int
    starts_at: time | None
    ends_at: time | None
    class_id: int
    class_name: str
    subject_id: int | None
    subject_name: str
    teacher_id: int | None
    teacher_name: str
    room: str | None
    status: str = "normal"  # normal, substitution, cancellation, room_change
    original_teacher_name: str | None = None
    original_subject_name: str | None = None
    note: str | None = None
    entry_id: int | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLATION


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def periods(school_id: int) -> dict[int, LessonPeriod]:
    """The school's bell times by period number."""
    rows = db.session.execute(sa.select(LessonPeriod).where(LessonPeriod.school_id == school_id)
                              .order_by(LessonPeriod.number)).scalars()
    return {p.number: p for p in rows}


def _entries(school_id: int, year_id: int, *conditions) -> list:
    return list(db.session.execute(
        sa.select(TimetableEntry, SchoolClass.name, Subject.name, StaffMember)
        .join(SchoolClass, SchoolClass.id == TimetableEntry.class_id)
        .join(Subject, Subject.id == TimetableEntry.subject_id)
        .join(StaffMember, StaffMember.id == TimetableEntry.teacher_id)
        .where(TimetableEntry.school_id == school_id, TimetableEntry.school_year_id == year_id,
               *conditions)))


def _changes(school_id: int, start: date, end: date, *conditions) -> list:
    substitute = aliased(StaffMember)
    return list(db.session.execute(
        sa.select(TimetableChange, SchoolClass.name, Subject.name, substitute)
        .join(SchoolClass, SchoolClass.id == TimetableChange.class_id)
        .outerjoin(Subject, Subject.id == TimetableChange.subject_id)
        .outerjoin(substitute, substitute.id == TimetableChange.teacher_id)
        .where(TimetableChange.school_id == school_id, TimetableChange.date >= start,
               TimetableChange.date <= end, *conditions)))


def _build(entries, changes, bells, start: date, days: int,
           free: dict[date, str] | None = None) -> list[Slot]:
    """Apply ``changes`` to the weekly ``entries`` over ``days`` days from ``start``.

    ``free`` dates (public holidays, breaks, the school's days off) have no lessons.
    """
    free = free or {}
    by_key: dict[tuple, list] = {}
    for change, class_name, subject_name, teacher in changes:
        by_key.setdefault((change.class_id, change.date, change.period_number), []).append(
            (change, class_name, subject_name, teacher))
    slots: list[Slot] = []
    used: set[tuple] = set()
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day in free:
            continue
        for entry, class_name, subject_name, teacher in entries:
            if entry.weekday != day.isoweekday():
                continue
            bell = bells.get(entry.period_number)
            slot = Slot(day, entry.period_number, bell.starts_at if bell else None,
                        bell.ends_at if bell else None, entry.class_id, class_name,
                        entry.subject_id, subject_name, entry.teacher_id, teacher.full_name,
                        entry.room, entry_id=entry.id)
            key = (entry.class_id, day, entry.period_number)
            for change, _cn, change_subject, substitute in by_key.get(key, []):
                used.add(key)
                slot.note = change.note
                if change.kind == CANCELLATION:
                    slot.status = CANCELLATION
                elif change.kind == ROOM_CHANGE:
                    slot.status = ROOM_CHANGE
                    slot.room = change.room or slot.room
                elif change.kind == SUBSTITUTION:
                    slot.status = SUBSTITUTION
                    slot.original_teacher_name = slot.teacher_name
                    if substitute is not None:
                        slot.teacher_id, slot.teacher_name = substitute.id, substitute.full_name
                    if change_subject and change.subject_id != slot.subject_id:
                        slot.original_subject_name = slot.subject_name
                        slot.subject_id, slot.subject_name = change.subject_id, change_subject
                    slot.room = change.room or slot.room
            slots.append(slot)
    # Substitutions in a period with no regular lesson: an extra lesson.
    for key, items in by_key.items():
        if key in used:
            continue
        for change, class_name, subject_name, substitute in items:
            if change.kind != SUBSTITUTION or change.date in free \
                    or not (start <= change.date < start + timedelta(days)):
                continue
            bell = bells.get(change.period_number)
            slots.append(Slot(change.date, change.period_number, bell.starts_at if bell else None,
                              bell.ends_at if bell else None, change.class_id, class_name,
                              change.subject_id, subject_name or "",
                              substitute.id if substitute else None,
                              substitute.full_name if substitute else "", change.room,
                              status=SUBSTITUTION, note=change.note))
    slots.sort(key=lambda s: (s.date, s.period_number, s.class_name, s.subject_name))
    return slots


def class_plan(school_id: int, class_id: int, start: date, days: int = 7,
               year: SchoolYear | None = None, pupil_id: int | None = None) -> list[Slot]:
    """The lessons of a class over ``days`` days from ``start``, with changes applied."""
    year = year or school_year_for(school_id, start)
    end = start + timedelta(days=days - 1)
    conditions = [TimetableEntry.class_id == class_id]
    if pupil_id is not None:
        # A pupil's own week: the whole class's lessons and those of the pupil's groups only.
        conditions.append(sa.or_(TimetableEntry.group_id.is_(None), TimetableEntry.group_id.in_(
            sa.select(ClassGroupMember.group_id).where(
                ClassGroupMember.school_id == school_id, ClassGroupMember.pupil_id == pupil_id))))
    entries = _entries(school_id, year.id, *conditions)
    changes = _changes(school_id, start, end, TimetableChange.class_id == class_id)
    return _build(entries, changes, periods(school_id), start, days,
                  free_dates(school_id, start, end))


def teacher_plan(school_id: int, teacher_id: int, start: date, days: int = 1,
                 year: SchoolYear | None = None, free: dict[date, str] | None = None
                 ) -> list[Slot]:
    """A teacher's lessons over ``days`` days: their own (unless taken over) plus substitutions.

    ``free`` (from ``free_dates`` over the same days) spares the lookup when the caller
    shows the free days too, as the week plan does.
    """
    year = year or school_year_for(school_id, start)
    end = start + timedelta(days=days - 1)
    subs_for_me = sa.select(TimetableChange.class_id).where(
        TimetableChange.school_id == school_id, TimetableChange.teacher_id == teacher_id,
        TimetableChange.date >= start, TimetableChange.date <= end)
    my_classes = sa.select(TimetableEntry.class_id).where(
        TimetableEntry.school_id == school_id, TimetableEntry.school_year_id == year.id,
        TimetableEntry.teacher_id == teacher_id)
    # Own lessons, plus the regular lessons of classes where the teacher substitutes (so the
    # takeover finds its slot); the changes of both.
    entries = _entries(school_id, year.id, sa.or_(TimetableEntry.teacher_id == teacher_id,
                                                  TimetableEntry.class_id.in_(subs_for_me)))
    changes = _changes(school_id, start, end, sa.or_(
        TimetableChange.teacher_id == teacher_id, TimetableChange.class_id.in_(my_classes)))
    if free is None:
        free = free_dates(school_id, start, end)
    slots = _build(entries, changes, periods(school_id), start, days, free)
    return [s for s in slots if s.teacher_id == teacher_id]


class ChangeError(Exception):
    """A timetable change cannot be saved; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def save_change(school_id: int, class_id: int, day: date, period_number: int, kind: str,
                teacher_id: int | None = None, subject_id: int | None = None,
                room: str | None = None, note: str | None = None) -> TimetableChange:
    """Record (or replace) the change of one class's lesson on one date."""
    from flask_babel import lazy_gettext as _l

    from gradebook_service.timetable.models import CHANGE_KINDS

    if kind not in CHANGE_KINDS:
        raise ChangeError(_l("Choose the kind of change."))
    refuse_free_day(school_id, day, ChangeError)
    if kind == SUBSTITUTION and teacher_id is None:
        raise ChangeError(_l("Choose the substitute teacher."))
    if kind == ROOM_CHANGE and not (room or "").strip():
        raise ChangeError(_l("Give the new room."))
    if teacher_id is not None and db.session.execute(sa.select(StaffMember.id).where(
            StaffMember.id == teacher_id, StaffMember.school_id == school_id)).first() is None:
        raise ChangeError(_l("Choose the substitute teacher."))
    if subject_id is not None and db.session.execute(sa.select(Subject.id).where(
            Subject.id == subject_id, Subject.school_id == school_id)).first() is None:
        subject_id = None
    change = db.session.execute(sa.select(TimetableChange).where(
        TimetableChange.school_id == school_id, TimetableChange.class_id == class_id,
        TimetableChange.date == day, TimetableChange.period_number == period_number)
    ).scalar_one_or_none()
    if change is None:
        change = TimetableChange(school_id=school_id, class_id=class_id, date=day,
                                 period_number=period_number, kind=kind)
        db.session.add(change)
    change.kind = kind
    change.teacher_id = teacher_id if kind != CANCELLATION else None
    change.subject_id = subject_id if kind == SUBSTITUTION else None
    change.room = (room or "").strip()[:20] or None
    change.note = (note or "").strip()[:200] or None
    db.session.flush()
    return change


def upcoming_changes(school_id: int, since: date, limit: int = 200) -> list:
    """Changes from ``since`` on, with class, subject and teacher names."""
    return _changes(school_id, since, since + timedelta(days=366))[:limit]
