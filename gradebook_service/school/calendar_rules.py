"""The Polish school calendar as pure rules: year dates, terms, statutory breaks, holidays.

From the regulation on the organisation of the school year (rozporządzenie MEN w
sprawie organizacji roku szkolnego): lessons start on the first weekday of
September (on the Monday after 1 September when it is a Friday or a Saturday)
and end on the last Friday of June; the winter holiday break runs 23–31 December
and the spring break from the Thursday before Easter to the Tuesday after it.
Public holidays come from the maintained ``holidays`` package. The winter break
(ferie zimowe) is set each year by the minister for four groups of voivodeships;
the groups are data here, the dates for a year are entered by the school.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

YEAR_NAME = re.compile(r"^(\d{4})/(\d{4})$")

#: Voivodeship codes and their Polish names, in Polish alphabetical order.
VOIVODESHIPS = {
    "dolnoslaskie": "dolnośląskie", "kujawsko-pomorskie": "kujawsko-pomorskie",
    "lubelskie": "lubelskie", "lubuskie": "lubuskie", "lodzkie": "łódzkie",
    "malopolskie": "małopolskie", "mazowieckie": "mazowieckie", "opolskie": "opolskie",
    "podkarpackie": "podkarpackie", "podlaskie": "podlaskie", "pomorskie": "pomorskie",
    "slaskie": "śląskie", "swietokrzyskie": "świętokrzyskie",
    "warminsko-mazurskie": "warmińsko-mazurskie", "wielkopolskie": "wielkopolskie",
    "zachodniopomorskie": "zachodniopomorskie",
}

#: The four groups of voivodeships whose winter breaks the minister staggers each year.
WINTER_BREAK_GROUPS = {
    1: ("dolnoslaskie", "mazowieckie", "opolskie", "zachodniopomorskie"),
    2: ("podlaskie", "warminsko-mazurskie"),
    3: ("lubelskie", "lodzkie", "podkarpackie", "pomorskie", "slaskie"),
    4: ("kujawsko-pomorskie", "lubuskie", "malopolskie", "swietokrzyskie", "wielkopolskie"),
}


class BadYearName(ValueError):
    """The school year is not written like 2026/2027 (two consecutive years)."""


@dataclass(frozen=True)
class YearPlan:
    """The default dates of a school year: lessons, and the two terms."""

    name: str
    starts_on: date
    ends_on: date
    term1_ends_on: date
    term2_starts_on: date


def parse_year_name(name: str) -> int:
    """The first calendar year of a school year named like ``2026/2027``."""
    match = YEAR_NAME.match((name or "").strip())
    if not match or int(match.group(2)) != int(match.group(1)) + 1 \
            or not 2000 <= int(match.group(1)) <= 2100:
        raise BadYearName(name)
    return int(match.group(1))


def year_name_for(day: date) -> str:
    """The school year a date belongs to (September onwards: the year starting then)."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{start + 1}"


def first_lesson_day(start_year: int) -> date:
    """The first weekday of September; a Friday or Saturday 1 September moves to Monday."""
    day = date(start_year, 9, 1)
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 4 else day


def last_friday_of_june(year: int) -> date:
    """The last Friday of June: the end of lessons."""
    day = date(year, 6, 30)
    return day - timedelta(days=(day.weekday() - 4) % 7)


def default_term2_start(start_year: int) -> date:
    """The sensible default start of term 2: the first Monday of February."""
    day = date(start_year + 1, 2, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def year_plan(name: str, term2_starts_on: date | None = None) -> YearPlan:
    """The dates of the school year ``name``; ``term2_starts_on`` overrides the default."""
    start_year = parse_year_name(name)
    starts_on, ends_on = first_lesson_day(start_year), last_friday_of_june(start_year + 1)
    term2 = term2_starts_on or default_term2_start(start_year)
    if not starts_on < term2 <= ends_on:
        raise ValueError("term 2 must start within the school year")
    return YearPlan(name, starts_on, ends_on, term2 - timedelta(days=1), term2)


def public_holidays(starts_on: date, ends_on: date) -> list[tuple[date, str]]:
    """Polish statutory holidays (with Polish names) between two dates, in date order."""
    # Imported here: ~9 MiB per worker, needed only when a school year's calendar is built.
    import holidays

    found = holidays.Poland(years=range(starts_on.year, ends_on.year + 1), language="pl")
    return sorted((day, name) for day, name in found.items() if starts_on <= day <= ends_on)


def easter_sunday(year: int) -> date:
    """Easter Sunday (Gregorian computus, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def statutory_breaks(start_year: int) -> list[tuple[date, date, str]]:
    """The winter holiday break and the spring (Easter) break of a school year."""
    easter = easter_sunday(start_year + 1)
    return [(date(start_year, 12, 23), date(start_year, 12, 31), "Zimowa przerwa świąteczna"),
            (easter - timedelta(days=3), easter + timedelta(days=2),
             "Wiosenna przerwa świąteczna")]


def winter_break_group(voivodeship: str | None) -> int | None:
    """The winter-break group (1–4) of a voivodeship code, or None."""
    for group, members in WINTER_BREAK_GROUPS.items():
        if voivodeship in members:
            return group
    return None
