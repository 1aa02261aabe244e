"""What every setup page needs: the signed-in administrator, their school and current year."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from gradebook_service.accounts.access import current_account, roles_required
from gradebook_service.accounts.models import STAFF, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.school.models import School, SchoolYear

#: Setup is for the school's administrators only (others: 403).
admin_required = roles_required(STAFF, staff_flags=("is_admin",))


def admin() -> SchoolAccount:
    return current_account()


def school() -> School:
    return db.session.get(School, current_account().school_id)


def current_year() -> SchoolYear:
    """The school's current year, or 404 (a school always has one from ``school create``)."""
    year = db.session.execute(sa.select(SchoolYear).where(
        SchoolYear.school_id == current_account().school_id,
        SchoolYear.is_current.is_(True)).options(sa.orm.selectinload(SchoolYear.terms))
    ).scalar_one_or_none()
    if year is None:
        abort(404)
    return year


def found_or_404(row):
    """A row the school's lookup found, else 404 (another school's row is never revealed)."""
    if row is None:
        abort(404)
    return row
