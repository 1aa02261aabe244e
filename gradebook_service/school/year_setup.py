"""Create a school and its school years with two terms and the statutory free days."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from gradebook_service.school.calendar_rules import BadYearName, year_name_for, year_plan
from gradebook_service.school.free_days import fill_statutory_free_days
from gradebook_service.school.models import School, SchoolYear, Term


class SetupError(Exception):
    """A school or year cannot be created or changed; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


class SchoolExists(SetupError):
    """A school of that name exists already."""


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def check_school_fields(name: str, short_name: str) -> tuple[str, str]:
    """Cleaned name and short name, or SetupError naming what is wrong."""
    name, short_name = _clean(name), _clean(short_name)
    if not name or len(name) > 200:
        raise SetupError(_l("Give the school's full name (at most 200 characters)."))
    if not short_name or len(short_name) > 60:
        raise SetupError(_l("Give the school's short name (at most 60 characters)."))
    return name, short_name


def create_school(name: str, short_name: str, *, address: str | None = None,
                  year_name: str | None = None, term2_starts_on: date | None = None,
                  today: date | None = None) -> tuple[School, SchoolYear]:
    """A new school with its current year (default: the one containing today) and two terms."""
    name, short_name = check_school_fields(name, short_name)
    # casefold in Python: SQLite's lower() leaves Polish letters as they are.
    if name.casefold() in {n.casefold() for n in db.session.execute(
            sa.select(School.name)).scalars()}:
        raise SchoolExists(_l("A school named %(name)s exists already.", name=name))
    school = School(name=name, short_name=short_name, address=_clean(address) or None,
                    settings={})
    db.session.add(school)
    db.session.flush()
    year = add_school_year(school, year_name or year_name_for(today or date.today()),
                           term2_starts_on=term2_starts_on, current=True)
    audit("school.created", actor="cli", school_id=school.id, year=year.name)
    return school, year


def add_school_year(school: School, name: str, *, term2_starts_on: date | None = None,
                    current: bool = False) -> SchoolYear:
    """Add a school year on the Polish defaults, with both terms and the statutory free days."""
    try:
        plan = year_plan(name, term2_starts_on)
    except BadYearName:
        raise SetupError(_l("%(name)s is not a school year like 2026/2027.",
                            name=repr(name))) from None
    except ValueError:
        raise SetupError(_l("Term 2 must start within the school year.")) from None
    exists = db.session.execute(sa.select(SchoolYear.id).where(
        SchoolYear.school_id == school.id, SchoolYear.name == plan.name)).first()
    if exists:
        raise SetupError(_l("The school year %(name)s exists already.", name=plan.name))
    if current:
        db.session.execute(sa.update(SchoolYear).where(SchoolYear.school_id == school.id)
                           .values(is_current=False))
    year = SchoolYear(school_id=school.id, name=plan.name, starts_on=plan.starts_on,
                      ends_on=plan.ends_on, is_current=current)
    db.session.add(year)
    db.session.flush()
    db.session.add_all([
        Term(school_id=school.id, school_year_id=year.id, number=1, starts_on=plan.starts_on,
             ends_on=plan.term1_ends_on),
        Term(school_id=school.id, school_year_id=year.id, number=2,
             starts_on=plan.term2_starts_on, ends_on=plan.ends_on)])
    db.session.flush()
    fill_statutory_free_days(year)
    return year


def change_year_dates(year: SchoolYear, starts_on: date, term2_starts_on: date,
                      ends_on: date) -> None:
    """Set the first and last day of lessons and the first day of term 2 (all checked first)."""
    if not starts_on < term2_starts_on <= ends_on:
        raise SetupError(_l("The year must start before term 2 starts, and end after it."))
    if ends_on.toordinal() - starts_on.toordinal() > 366:
        raise SetupError(_l("A school year lasts at most a year."))
    first, second = year.terms
    year.starts_on, year.ends_on = starts_on, ends_on
    first.starts_on, first.ends_on = starts_on, date.fromordinal(term2_starts_on.toordinal() - 1)
    second.starts_on, second.ends_on = term2_starts_on, ends_on
    db.session.flush()


def make_current(year: SchoolYear) -> None:
    """Make ``year`` the school's current year (the one the register shows)."""
    db.session.execute(sa.update(SchoolYear).where(SchoolYear.school_id == year.school_id)
                       .values(is_current=SchoolYear.id == year.id))
    db.session.flush()


def school_years(school_id: int) -> list[SchoolYear]:
    """The school's years, newest first, with their terms."""
    return list(db.session.execute(sa.select(SchoolYear).where(SchoolYear.school_id == school_id)
                                   .order_by(SchoolYear.starts_on.desc())
                                   .options(sa.orm.selectinload(SchoolYear.terms))).scalars())
