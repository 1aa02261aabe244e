"""Announce events, enforce the school's caps on tests, and list a class's Terminarz.

School.settings["tests"] may set ``max_per_week`` and ``max_per_day`` (counting
tests only, per class; defaults 3 and 1, as many statutes say) and
``quizzes_count`` (False: quizzes are not capped). Over a cap the teacher sees a
warning and may confirm; ``hard_cap`` True refuses instead.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.calendar.models import KINDS, QUIZ, TEST, Event
from gradebook_service.extensions import db
from gradebook_service.history.services import record_change
from gradebook_service.notifications.hooks import entry_rescheduled, event_announced
from gradebook_service.school.free_days import refuse_free_day
from gradebook_service.school.models import School, StaffMember, Subject
from shared.database import utcnow

KIND_LABELS = {"test": _l("Test"), "quiz": _l("Quiz"), "trip": _l("Trip"),
               "meeting": _l("Parent-teacher meeting"), "other": _l("Other")}


class EventError(Exception):
    """An event cannot be saved; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


class CapExceeded(EventError):
    """The class already has the most tests the school allows in that day or week."""

    def __init__(self, warnings: list) -> None:
        super().__init__(warnings[0])
        self.warnings = warnings


def caps(school: School) -> dict:
    conf = (school.settings or {}).get("tests") or {}
    return {"max_per_week": conf.get("max_per_week", 3), "max_per_day": conf.get("max_per_day", 1),
            "quizzes_count": bool(conf.get("quizzes_count", False)),
            "hard_cap": bool(conf.get("hard_cap", False))}


def cap_warnings(school: School, class_id: int, day: date, kind: str,
                 exclude_id: int | None = None) -> list:
    """What a new event of ``kind`` on ``day`` would break (empty when within the caps)."""
    rules = caps(school)
    capped = (TEST, QUIZ) if rules["quizzes_count"] else (TEST,)
    if kind not in capped:
        return []
    monday = day - timedelta(days=day.weekday())
    rows = db.session.execute(
        sa.select(Event.date, sa.func.count()).where(
            Event.school_id == school.id, Event.class_id == class_id, Event.kind.in_(capped),
            Event.date >= monday, Event.date <= monday + timedelta(days=6),
            Event.id != (exclude_id or -1))
        .group_by(Event.date)).all()
    week = sum(n for _d, n in rows)
    same_day = sum(n for d, n in rows if d == day)
    warnings = []
    if rules["max_per_day"] is not None and same_day + 1 > rules["max_per_day"]:
        warnings.append(_l("The class already has %(n)d test(s) on this day; the school allows "
                           "%(max)d.", n=same_day, max=rules["max_per_day"]))
    if rules["max_per_week"] is not None and week + 1 > rules["max_per_week"]:
        warnings.append(_l("The class already has %(n)d test(s) this week; the school allows "
                           "%(max)d.", n=week, max=rules["max_per_week"]))
    return warnings


def add_event(account: SchoolAccount, school: School, class_id: int, kind: str, day: date,
              title: str, description: str = "", subject_id: int | None = None,
              period_number: int | None = None, confirm_over_cap: bool = False) -> Event:
    """Announce an event; over a cap raise CapExceeded unless the teacher confirmed (and allowed)."""
    if kind not in KINDS:
        raise EventError(_l("Choose the kind of event."))
    title = (title or "").strip()
    if not title:
        raise EventError(_l("Give the event a title."))
    if kind in (TEST, QUIZ):
        refuse_free_day(school.id, day, EventError)
    warnings = cap_warnings(school, class_id, day, kind)
    if warnings and (caps(school)["hard_cap"] or not confirm_over_cap):
        raise CapExceeded(warnings)
    event = Event(school_id=school.id, class_id=class_id, subject_id=subject_id,
                  teacher_id=account.staff_id, kind=kind, date=day, period_number=period_number,
                  title=title[:200], description=(description or "").strip()[:4000])
    db.session.add(event)
    db.session.flush()
    # Logged from the start, so the change log holds the entry's whole life.
    record_change(school.id, "event", event.id, pupil_id=None, class_id=event.class_id,
                  action="create", old=None, new=_snapshot(event), actor=account)
    event_announced(school.id, class_id, kind, day, event.title, subject_id)
    return event


def _snapshot(event: Event) -> dict:
    return {"text": event.title, "kind": event.kind, "date": event.date.isoformat(),
            "period": event.period_number, "description": event.description}


def update_event(account: SchoolAccount, school: School, event: Event, kind: str, day: date,
                 title: str, description: str = "", period_number: int | None = None,
                 confirm_over_cap: bool = False) -> bool:
    """Change an event; a test moved onto a full day or week warns as a new one does.

    The change log keeps both versions; returns True if anything changed.
    """
    if kind not in KINDS:
        raise EventError(_l("Choose the kind of event."))
    title = (title or "").strip()
    if not title:
        raise EventError(_l("Give the event a title."))
    if kind in (TEST, QUIZ):
        refuse_free_day(school.id, day, EventError)
    if (day, kind) != (event.date, event.kind):
        warnings = cap_warnings(school, event.class_id, day, kind, exclude_id=event.id)
        if warnings and (caps(school)["hard_cap"] or not confirm_over_cap):
            raise CapExceeded(warnings)
    old, old_day = _snapshot(event), event.date
    event.kind, event.date, event.title = kind, day, title[:200]
    event.description, event.period_number = (description or "").strip()[:4000], period_number
    if _snapshot(event) == old:
        return False
    event.edited_at = utcnow()
    record_change(school.id, "event", event.id, pupil_id=None, class_id=event.class_id,
                  action="update", old=old, new=_snapshot(event), actor=account)
    db.session.flush()
    if day != old_day:
        _tell_families(event, old_day, day)
    return True


def _tell_families(event: Event, old_day: date, new_day: date | None) -> None:
    entry_rescheduled(event.school_id, event.class_id, what=event.kind, title=event.title,
                      subject_id=event.subject_id, old_day=old_day, new_day=new_day)


def delete_event(account: SchoolAccount, event: Event) -> None:
    """Delete an event: it leaves the families' calendar; the change log keeps it."""
    record_change(event.school_id, "event", event.id, pupil_id=None, class_id=event.class_id,
                  action="delete", old=_snapshot(event), new=None, actor=account)
    _tell_families(event, event.date, None)
    db.session.delete(event)
    db.session.flush()


def class_events(school_id: int, class_id: int, start: date, end: date
                 ) -> list[tuple[Event, str | None, StaffMember]]:
    """A class's events between two dates, with subject name and teacher."""
    return [tuple(r) for r in db.session.execute(
        sa.select(Event, Subject.name, StaffMember)
        .outerjoin(Subject, Subject.id == Event.subject_id)
        .join(StaffMember, StaffMember.id == Event.teacher_id)
        .where(Event.school_id == school_id, Event.class_id == class_id, Event.date >= start,
               Event.date <= end)
        .order_by(Event.date, Event.period_number, Event.id))]
