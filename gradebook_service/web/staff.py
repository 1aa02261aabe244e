"""The staff pages' common checks: a staff account, and classes/subjects it may work with."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from gradebook_service.accounts.access import (
    current_account,
    may_change_entry,
    staff_class_ids_query,
    teaches,
)
from gradebook_service.accounts.models import STAFF, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import School, SchoolClass, Subject, TeachingAssignment
from gradebook_service.school.years import current_class_ids_query


def staff_account() -> SchoolAccount:
    """The signed-in staff account, or 404."""
    account = current_account()
    if account is None or account.role != STAFF or account.staff is None:
        abort(404)
    return account


def school_of(account: SchoolAccount) -> School:
    return db.session.get(School, account.school_id)


def visible_class_or_404(account: SchoolAccount, class_id: int) -> SchoolClass:
    """A class the staff member teaches or leads (admin/secretary: any of the school's)."""
    klass = db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.id == class_id, SchoolClass.school_id == account.school_id,
        SchoolClass.id.in_(staff_class_ids_query(account)))).scalar_one_or_none()
    if klass is None:
        abort(404)
    return klass


def visible_classes(account: SchoolAccount) -> list[SchoolClass]:
    """The classes a staff member may address (taught or led; all for the office), by name."""
    return list(db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_id == account.school_id,
        SchoolClass.id.in_(staff_class_ids_query(account))).order_by(SchoolClass.name)).scalars())


def taught_or_404(account: SchoolAccount, class_id: int, subject_id: int
                  ) -> tuple[SchoolClass, Subject]:
    """A class and subject the staff member teaches (or any, for the administrator)."""
    # Only a class of the current year: last year's register is read-only (the archive).
    klass = db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.id == class_id, SchoolClass.school_id == account.school_id,
        SchoolClass.id.in_(current_class_ids_query(account.school_id)))
    ).scalar_one_or_none()
    subject = db.session.execute(sa.select(Subject).where(
        Subject.id == subject_id, Subject.school_id == account.school_id)).scalar_one_or_none()
    if klass is None or subject is None or not teaches(account, class_id, subject_id):
        abort(404)
    return klass, subject


def teaching_options(account: SchoolAccount) -> list[tuple[int, int, str]]:
    """(class id, subject id, label) for what the staff member teaches."""
    return [(c, s, f"{cn} · {sn}") for c, s, cn, sn in db.session.execute(
        sa.select(SchoolClass.id, Subject.id, SchoolClass.name, Subject.name)
        .join(TeachingAssignment, TeachingAssignment.class_id == SchoolClass.id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .where(TeachingAssignment.school_id == account.school_id,
               TeachingAssignment.teacher_id == account.staff_id)
        .order_by(SchoolClass.name, Subject.name))]


def parse_target(value: str | None) -> tuple[int, int]:
    """"class_id:subject_id" from a select."""
    try:
        class_id, subject_id = (int(x) for x in (value or "").split(":"))
    except ValueError:
        return 0, 0
    return class_id, subject_id


def own_entry_or_404(account: SchoolAccount, model, entry_id: int, author: str = "teacher_id"):
    """An entry of ``model`` in the account's school that it may edit or delete (its author's
    or, for the administrator, anyone's); anything else answers 404, not revealing it exists."""
    entry = get_owned(model, account.school_id, entry_id)
    if entry is None or entry.school_id != account.school_id \
            or not may_change_entry(account, getattr(entry, author)):
        abort(404)
    return entry
