"""Set homework and list it for a class."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.history.services import record_change
from gradebook_service.homework.models import Homework
from gradebook_service.notifications.hooks import entry_rescheduled
from gradebook_service.school.free_days import refuse_free_day
from gradebook_service.school.models import StaffMember, Subject
from shared.database import utcnow


class HomeworkError(Exception):
    """Homework cannot be saved; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def add_homework(account: SchoolAccount, class_id: int, subject_id: int, assigned_on: date,
                 due_on: date, description: str) -> Homework:
    """Set homework for a class."""
    description = _checked(account, assigned_on, due_on, description)
    item = Homework(school_id=account.school_id, class_id=class_id, subject_id=subject_id,
                    teacher_id=account.staff_id, assigned_on=assigned_on, due_on=due_on,
                    description=description)
    db.session.add(item)
    db.session.flush()
    # Logged from the start, so the change log holds the entry's whole life.
    record_change(item.school_id, "homework", item.id, pupil_id=None, class_id=item.class_id,
                  action="create", old=None, new=_snapshot(item), actor=account)
    return item


def _snapshot(item: Homework) -> dict:
    return {"text": item.description, "due_on": item.due_on.isoformat(),
            "subject_id": item.subject_id}


def _checked(account: SchoolAccount, assigned_on: date, due_on: date, description: str) -> str:
    description = (description or "").strip()
    if not description:
        raise HomeworkError(_l("Describe the homework."))
    if due_on < assigned_on:
        raise HomeworkError(_l("The due date cannot be before the day the homework is set."))
    refuse_free_day(account.school_id, due_on, HomeworkError)
    return description[:4000]


def update_homework(account: SchoolAccount, item: Homework, due_on: date,
                    description: str) -> bool:
    """Change the due date or the text (the change log keeps both versions); True if changed."""
    description = _checked(account, item.assigned_on, due_on, description)
    old, old_due = _snapshot(item), item.due_on
    item.due_on, item.description = due_on, description
    if _snapshot(item) == old:
        return False
    item.edited_at = utcnow()
    record_change(item.school_id, "homework", item.id, pupil_id=None, class_id=item.class_id,
                  action="update", old=old, new=_snapshot(item), actor=account)
    db.session.flush()
    if due_on != old_due:
        _tell_families(item, old_due, due_on)
    return True


def _tell_families(item: Homework, old_due: date, new_due: date | None) -> None:
    entry_rescheduled(item.school_id, item.class_id, what="homework", title="",
                      subject_id=item.subject_id, old_day=old_due, new_day=new_due)


def delete_homework(account: SchoolAccount, item: Homework) -> None:
    """Delete homework: it leaves the families' pages and badges; the change log keeps it."""
    record_change(item.school_id, "homework", item.id, pupil_id=None, class_id=item.class_id,
                  action="delete", old=_snapshot(item), new=None, actor=account)
    _tell_families(item, item.due_on, None)
    db.session.delete(item)
    db.session.flush()


def new_homework(since: datetime, today: date):
    """What the badge counts and the page marks as new: set after ``since`` and not yet due."""
    return sa.and_(Homework.due_on >= today, Homework.created_at > since)


def class_homework(school_id: int, class_id: int, since: date, new_after: datetime | None = None,
                   today: date | None = None, limit: int = 100
                   ) -> list[tuple[Homework, str, StaffMember, bool]]:
    """Homework due on or after ``since``, soonest first, with subject name, teacher and whether
    it is new (``new_homework``: the same condition the home page counts; never without
    ``new_after``, as for the API, which has no visits)."""
    is_new = (sa.case((new_homework(new_after, today), True), else_=False)
              if new_after is not None else sa.false())
    return [tuple(r) for r in db.session.execute(
        sa.select(Homework, Subject.name, StaffMember, is_new)
        .join(Subject, Subject.id == Homework.subject_id)
        .join(StaffMember, StaffMember.id == Homework.teacher_id)
        .where(Homework.school_id == school_id, Homework.class_id == class_id,
               Homework.due_on >= since)
        .order_by(Homework.due_on, Homework.id).limit(limit))]
