"""A class's attendance per pupil and per month, with percentages (frekwencja).

The counting rule is the register's own (lessons/services.py): present, late and a
school-related absence count as attended; absent and excused as missed; released
lessons are left out. One grouped query for the whole class and year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.lessons.models import Attendance
from gradebook_service.lessons.services import ATTENDED, MISSED, percent
from gradebook_service.school.models import Pupil, SchoolYear


@dataclass
class Tally:
    """Attended and missed lessons."""

    attended: int = 0
    missed: int = 0

    def add(self, status: str, n: int) -> None:
        if status in ATTENDED:
            self.attended += n
        elif status in MISSED:
            self.missed += n

    @property
    def percent(self) -> float | None:
        return percent(self.attended, self.missed)


@dataclass
class ClassAttendance:
    """Tallies by pupil and month (first day of the month), by pupil and period, and overall."""

    months: list[date]
    by_pupil_month: dict[tuple[int, date], Tally] = field(default_factory=dict)
    #: (pupil_id, "term1" | "term2" | "year") → tally.
    by_pupil: dict[tuple[int, str], Tally] = field(default_factory=dict)
    by_month: dict[date, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)

    def pupil(self, pupil_id: int, period: str = "year") -> Tally:
        return self.by_pupil.get((pupil_id, period)) or Tally()

    def cell(self, pupil_id: int, month: date) -> Tally:
        return self.by_pupil_month.get((pupil_id, month)) or Tally()


def year_months(year: SchoolYear, until: date | None = None) -> list[date]:
    """The first days of the school year's months (September … June), up to ``until``."""
    months = []
    day = year.starts_on.replace(day=1)
    end = min(year.ends_on, until) if until else year.ends_on
    while day <= end:
        months.append(day)
        day = day.replace(year=day.year + 1, month=1) if day.month == 12 \
            else day.replace(month=day.month + 1)
    return months


def class_attendance(school_id: int, class_id: int, year: SchoolYear,
                     until: date | None = None) -> ClassAttendance:
    """Attendance of every pupil of the class in the year (up to ``until``), one query."""
    second = year.terms[1].starts_on if len(year.terms) > 1 else year.ends_on
    end = min(year.ends_on, until) if until else year.ends_on
    term_no = sa.case((Attendance.date >= second, 2), else_=1)
    y, m = sa.extract("year", Attendance.date), sa.extract("month", Attendance.date)
    result = ClassAttendance(year_months(year, until))
    rows = db.session.execute(
        sa.select(Attendance.pupil_id, term_no, y, m, Attendance.status, sa.func.count())
        .where(Attendance.school_id == school_id, Attendance.pupil_id.in_(
            sa.select(Pupil.id).where(Pupil.school_id == school_id, Pupil.class_id == class_id)),
               Attendance.date >= year.starts_on, Attendance.date <= end)
        .group_by(Attendance.pupil_id, term_no, y, m, Attendance.status))
    for pupil_id, term, yy, mm, status, n in rows:
        month = date(int(yy), int(mm), 1)
        for tally in (result.by_pupil_month.setdefault((pupil_id, month), Tally()),
                      result.by_pupil.setdefault((pupil_id, f"term{int(term)}"), Tally()),
                      result.by_pupil.setdefault((pupil_id, "year"), Tally()),
                      result.by_month.setdefault(month, Tally()), result.overall):
            tally.add(status, n)
    return result
