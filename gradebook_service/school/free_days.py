"""Days without lessons: read by every service that plans lessons, tests or homework.

A free day is a row per day or range (``FreeDay``) of the school year: public
holidays and the statutory breaks filled in when the year is created, the winter
break of the school's voivodeship group, and the school's own days off (dni wolne
od zajęć dydaktyczno-wychowawczych). Each lookup is one query.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.extensions import db
from gradebook_service.school.calendar_rules import public_holidays, statutory_breaks
from gradebook_service.school.models import (
    BREAK,
    HOLIDAY,
    SCHOOL_DAY_OFF,
    WINTER_BREAK,
    FreeDay,
    SchoolYear,
)

#: The longest range one entry may cover (a winter break is two weeks).
MAX_RANGE_DAYS = 31


class FreeDayError(Exception):
    """A free day cannot be saved; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def free_dates(school_id: int, start: date, end: date) -> dict[date, str]:
    """Every free date between ``start`` and ``end`` (inclusive) with the name of its reason."""
    rows = db.session.execute(sa.select(FreeDay.starts_on, FreeDay.ends_on, FreeDay.name).where(
        FreeDay.school_id == school_id, FreeDay.starts_on <= end, FreeDay.ends_on >= start)
        .order_by(FreeDay.starts_on)).all()
    found: dict[date, str] = {}
    # The shortest entry names a day: a holiday inside a break is shown as the holiday.
    for first, last, name in sorted(rows, key=lambda r: r[1] - r[0]):
        day = max(first, start)
        while day <= min(last, end):
            found.setdefault(day, name)
            day += timedelta(days=1)
    return found


def free_day_name(school_id: int, day: date) -> str | None:
    """Why ``day`` has no lessons at the school (its name), or None on a school day."""
    return free_dates(school_id, day, day).get(day)


def refuse_free_day(school_id: int, day: date, error: type[Exception]) -> None:
    """Raise ``error`` (a service's message exception) when ``day`` is a free day or a weekend."""
    if day.weekday() >= 5:
        raise error(_l("%(day)s is a weekend day: there are no lessons.", day=day.isoformat()))
    name = free_day_name(school_id, day)
    if name:
        raise error(_l("%(day)s is a day without lessons (%(name)s).", day=day.isoformat(),
                       name=name))


def year_free_days(school_id: int, year_id: int) -> list[FreeDay]:
    """The free days of a school year in date order."""
    return list(db.session.execute(sa.select(FreeDay).where(
        FreeDay.school_id == school_id, FreeDay.school_year_id == year_id)
        .order_by(FreeDay.starts_on, FreeDay.id)).scalars())


def fill_statutory_free_days(year: SchoolYear) -> int:
    """Add the public holidays and statutory breaks of ``year`` that are missing; return how many."""
    have = {(f.kind, f.starts_on) for f in year_free_days(year.school_id, year.id)}
    wanted = [(HOLIDAY, day, day, name)
              for day, name in public_holidays(year.starts_on, year.ends_on)]
    wanted += [(BREAK, first, last, name)
               for first, last, name in statutory_breaks(year.starts_on.year)]
    added = 0
    for kind, first, last, name in wanted:
        if (kind, first) not in have:
            db.session.add(FreeDay(school_id=year.school_id, school_year_id=year.id, kind=kind,
                                   name=name[:120], starts_on=first, ends_on=last))
            added += 1
    db.session.flush()
    return added


def _check_range(year: SchoolYear, starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise FreeDayError(_l("The last day cannot be before the first day."))
    if starts_on < year.starts_on or ends_on > year.ends_on:
        raise FreeDayError(_l("The days must fall within the school year %(name)s "
                              "(%(start)s – %(end)s).", name=year.name,
                              start=year.starts_on.isoformat(), end=year.ends_on.isoformat()))
    if (ends_on - starts_on).days >= MAX_RANGE_DAYS:
        raise FreeDayError(_l("One entry may cover at most %(n)d days.", n=MAX_RANGE_DAYS))


def add_school_free_day(year: SchoolYear, starts_on: date, ends_on: date, name: str) -> FreeDay:
    """Add one of the school's own days off (or a range of them) to ``year``."""
    name = " ".join((name or "").split())
    if not name:
        raise FreeDayError(_l("Say why there are no lessons (e.g. the headteacher's day off)."))
    _check_range(year, starts_on, ends_on)
    clash = db.session.execute(sa.select(FreeDay.id).where(
        FreeDay.school_id == year.school_id, FreeDay.school_year_id == year.id,
        FreeDay.kind == SCHOOL_DAY_OFF, FreeDay.starts_on == starts_on)).first()
    if clash:
        raise FreeDayError(_l("The school already has a day off starting on %(day)s.",
                              day=starts_on.isoformat()))
    row = FreeDay(school_id=year.school_id, school_year_id=year.id, kind=SCHOOL_DAY_OFF,
                  name=name[:120], starts_on=starts_on, ends_on=ends_on)
    db.session.add(row)
    db.session.flush()
    return row


def set_winter_break(year: SchoolYear, starts_on: date) -> FreeDay:
    """Set the school's winter break (two weeks from a Monday), replacing an earlier one."""
    if starts_on.weekday() != 0:
        raise FreeDayError(_l("The winter break starts on a Monday."))
    ends_on = starts_on + timedelta(days=13)
    _check_range(year, starts_on, ends_on)
    if starts_on.month not in (1, 2, 3):
        raise FreeDayError(_l("The winter break falls in January, February or March."))
    for old in db.session.execute(sa.select(FreeDay).where(
            FreeDay.school_id == year.school_id, FreeDay.school_year_id == year.id,
            FreeDay.kind == WINTER_BREAK)).scalars():
        db.session.delete(old)
    db.session.flush()
    row = FreeDay(school_id=year.school_id, school_year_id=year.id, kind=WINTER_BREAK,
                  name="Ferie zimowe", starts_on=starts_on, ends_on=ends_on)
    db.session.add(row)
    db.session.flush()
    return row


def free_day_of(school_id: int, free_day_id: int) -> FreeDay | None:
    """A free day of the school (None for another school's or a missing one)."""
    return db.session.execute(sa.select(FreeDay).where(
        FreeDay.id == free_day_id, FreeDay.school_id == school_id)).scalar_one_or_none()


def remove_free_day(row: FreeDay) -> None:
    """Remove a free day (a removed public holiday comes back with "fill in the holidays")."""
    db.session.delete(row)
    db.session.flush()
