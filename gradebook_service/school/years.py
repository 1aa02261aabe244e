"""The school calendar: the school year and term covering a date."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.school.models import SchoolClass, SchoolYear, Term


class NoSchoolYear(LookupError):
    """The school has no school year covering the date."""


def school_year_for(school_id: int, day: date) -> SchoolYear:
    """The school year covering ``day`` (else the one marked current), terms loaded."""
    year = db.session.execute(
        sa.select(SchoolYear).where(SchoolYear.school_id == school_id)
        .where(sa.or_(sa.and_(SchoolYear.starts_on <= day, SchoolYear.ends_on >= day),
                      SchoolYear.is_current))
        .order_by(SchoolYear.starts_on.desc()).limit(1)
        .options(sa.orm.selectinload(SchoolYear.terms))).scalar_one_or_none()
    if year is None:
        raise NoSchoolYear(school_id)
    return year


def term_for(year: SchoolYear, day: date) -> Term:
    """The term of ``year`` covering ``day`` (before the year: the first, after: the last)."""
    terms = list(year.terms)
    for term in terms:
        if term.starts_on <= day <= term.ends_on:
            return term
    return terms[0] if day < terms[0].starts_on else terms[-1]


def current_class_ids_query(school_id: int) -> sa.Select:
    """Ids of the school's classes in its current year.

    Past years are read-only archives: the register's pages and everything that
    writes offer only these classes (``accounts/access.py``, the archive reads the rest).
    """
    return sa.select(SchoolClass.id).join(
        SchoolYear, SchoolYear.id == SchoolClass.school_year_id).where(
        SchoolClass.school_id == school_id, SchoolYear.is_current.is_(True))
