"""Free days: the Polish calendar rules, and no lesson, test or homework due on a free day."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from gradebook_service.calendar.models import Event
from gradebook_service.calendar.services import EventError, add_event
from gradebook_service.demo.cli import seed_people
from gradebook_service.demo.people import DemoShape
from gradebook_service.demo.register import seed_register
from gradebook_service.extensions import db
from gradebook_service.homework.models import Homework
from gradebook_service.homework.services import HomeworkError, add_homework
from gradebook_service.lessons.models import Lesson
from gradebook_service.lessons.services import LessonError, open_lesson
from gradebook_service.school import calendar_rules as rules
from gradebook_service.school.free_days import (
    FreeDayError,
    add_school_free_day,
    fill_statutory_free_days,
    free_dates,
    set_winter_break,
)
from gradebook_service.school.models import FreeDay
from gradebook_service.timetable.services import ChangeError, class_plan, save_change, teacher_plan
from tests.gradebook.register_factories import build_school

# --- the rules, without a database ---------------------------------------------------------


@pytest.mark.parametrize(("start_year", "first"), [
    (2026, date(2026, 9, 1)),   # Tuesday
    (2023, date(2023, 9, 4)),   # 1 September a Friday: the Monday after
    (2029, date(2029, 9, 3)),   # a Saturday: Monday
    (2030, date(2030, 9, 2)),   # a Sunday: Monday
    (2025, date(2025, 9, 1)),   # Monday
])
def test_lessons_start_on_the_first_weekday_of_september(start_year, first):
    assert rules.first_lesson_day(start_year) == first


@pytest.mark.parametrize(("year", "friday"), [(2027, date(2027, 6, 25)), (2026, date(2026, 6, 26)),
                                              (2029, date(2029, 6, 29)), (2032, date(2032, 6, 25))])
def test_lessons_end_on_the_last_friday_of_june(year, friday):
    assert rules.last_friday_of_june(year) == friday


@pytest.mark.parametrize(("year", "easter"), [(2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
                                              (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25))])
def test_easter(year, easter):
    assert rules.easter_sunday(year) == easter


def test_the_statutory_breaks():
    assert rules.statutory_breaks(2026) == [
        (date(2026, 12, 23), date(2026, 12, 31), "Zimowa przerwa świąteczna"),
        (date(2027, 3, 25), date(2027, 3, 30), "Wiosenna przerwa świąteczna")]


def test_public_holidays_come_from_the_holidays_package_in_polish():
    found = dict(rules.public_holidays(date(2026, 9, 1), date(2027, 6, 25)))
    assert found[date(2026, 11, 11)] == "Narodowe Święto Niepodległości"
    assert date(2026, 12, 24) in found  # a statutory holiday from 2025
    assert date(2027, 5, 27) in found  # Corpus Christi 2027
    assert all(date(2026, 9, 1) <= d <= date(2027, 6, 25) for d in found)


@pytest.mark.parametrize(("name", "message"), [("2026-2027", "x"), ("2026/2028", "x"),
                                               ("26/27", "x"), ("", "x"), ("1999/2000", "x")])
def test_year_names_are_checked(name, message):
    with pytest.raises(rules.BadYearName):
        rules.parse_year_name(name)


def test_a_year_plan_with_its_default_and_chosen_term_boundary():
    plan = rules.year_plan("2026/2027")
    assert (plan.starts_on, plan.term1_ends_on, plan.term2_starts_on, plan.ends_on) == (
        date(2026, 9, 1), date(2027, 1, 31), date(2027, 2, 1), date(2027, 6, 25))
    assert rules.year_plan("2027/2028").term2_starts_on == date(2028, 2, 7)
    assert rules.year_plan("2026/2027", date(2027, 1, 18)).term1_ends_on == date(2027, 1, 17)
    with pytest.raises(ValueError):
        rules.year_plan("2026/2027", date(2027, 7, 1))


def test_every_voivodeship_is_in_exactly_one_winter_break_group():
    members = [v for group in rules.WINTER_BREAK_GROUPS.values() for v in group]
    assert sorted(members) == sorted(rules.VOIVODESHIPS) and len(members) == 16
    assert rules.winter_break_group("slaskie") == 3
    assert rules.winter_break_group("mazowieckie") == 1
    assert rules.winter_break_group(None) is None


# --- the services refuse free days -----------------------------------------------------------

MONDAY_OFF = date(2026, 11, 2)  # a Monday the school gives off (the timetable has Mon/Tue)
EASTER_MONDAY = date(2027, 3, 29)


@pytest.fixture
def world(gradebook_app):
    world = build_school()
    fill_statutory_free_days(world.year)
    add_school_free_day(world.year, MONDAY_OFF, MONDAY_OFF, "Dzień wolny dyrektora")
    db.session.commit()
    return world


def test_no_lesson_in_the_plan_on_a_public_holiday_or_a_school_free_day(world):
    klass = world.classes["1a"]
    days = {s.date for s in class_plan(world.school.id, klass.id, date(2026, 10, 26), days=14)}
    assert days == {date(2026, 10, 26), date(2026, 10, 27), date(2026, 11, 3)}
    assert teacher_plan(world.school.id, world.teachers["math"].id, MONDAY_OFF) == []
    assert teacher_plan(world.school.id, world.teachers["math"].id, EASTER_MONDAY) == []
    assert teacher_plan(world.school.id, world.teachers["math"].id, date(2026, 11, 9)) != []


@pytest.mark.parametrize(("day", "reason"), [(MONDAY_OFF, "Dzień wolny dyrektora"),
                                             (EASTER_MONDAY, "Poniedziałek Wielkanocny"),
                                             (date(2026, 12, 29), "Zimowa przerwa")])
def test_no_lesson_is_opened_on_a_free_day(world, gradebook_app, day, reason):
    teacher = world.staff_accounts["math"]
    with pytest.raises(LessonError) as error:
        open_lesson(teacher, world.classes["1a"].id, world.subjects["math"].id, day, 1)
    with gradebook_app.test_request_context():
        assert reason in str(error.value.message)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Lesson)).scalar_one() == 0
    # The Monday after is a school day: the lesson opens.
    assert open_lesson(teacher, world.classes["1a"].id, world.subjects["math"].id,
                       date(2026, 11, 9), 1).date == date(2026, 11, 9)


@pytest.mark.parametrize("due", [date(2026, 11, 11), MONDAY_OFF, date(2026, 11, 7)])
def test_no_homework_is_due_on_a_free_day_or_a_weekend(world, gradebook_app, due):
    teacher = world.staff_accounts["math"]
    with pytest.raises(HomeworkError):
        add_homework(teacher, world.classes["1a"].id, world.subjects["math"].id,
                     date(2026, 10, 30), due, "Zadania 1–5")
    assert add_homework(teacher, world.classes["1a"].id, world.subjects["math"].id,
                        date(2026, 10, 30), date(2026, 11, 12), "Zadania 1–5").id
    assert db.session.execute(sa.select(sa.func.count()).select_from(Homework)).scalar_one() == 1


@pytest.mark.parametrize("kind", ["test", "quiz"])
def test_no_test_on_a_free_day_but_a_trip_may_be(world, kind):
    teacher = world.staff_accounts["math"]
    with pytest.raises(EventError):
        add_event(teacher, world.school, world.classes["1a"].id, kind, date(2026, 12, 25),
                  "Sprawdzian", subject_id=world.subjects["math"].id)
    trip = add_event(teacher, world.school, world.classes["1a"].id, "trip", date(2026, 12, 28),
                     "Kulig")
    assert trip.id and db.session.execute(sa.select(sa.func.count()).select_from(Event).where(
        Event.kind == kind)).scalar_one() == 0


def test_no_substitution_on_a_free_day(world):
    with pytest.raises(ChangeError):
        save_change(world.school.id, world.classes["1a"].id, MONDAY_OFF, 1, "substitution",
                    teacher_id=world.teachers["polish"].id)


def test_the_winter_break_and_the_school_days_off_are_checked(world):
    with pytest.raises(FreeDayError):
        set_winter_break(world.year, date(2027, 1, 19))  # a Tuesday
    with pytest.raises(FreeDayError):
        set_winter_break(world.year, date(2026, 10, 5))  # not in winter
    set_winter_break(world.year, date(2027, 1, 18))
    second = set_winter_break(world.year, date(2027, 2, 15))  # replaces the first
    assert db.session.execute(sa.select(FreeDay.starts_on).where(
        FreeDay.kind == "winter_break")).scalars().all() == [date(2027, 2, 15)]
    assert (second.starts_on, second.ends_on) == (date(2027, 2, 15), date(2027, 2, 28))
    free = free_dates(world.school.id, date(2027, 2, 14), date(2027, 3, 1))
    assert set(free) == {date(2027, 2, 15) + timedelta(days=i) for i in range(14)}
    with pytest.raises(FreeDayError):
        add_school_free_day(world.year, date(2027, 7, 1), date(2027, 7, 1), "Lato")
    with pytest.raises(FreeDayError):
        add_school_free_day(world.year, date(2026, 10, 2), date(2026, 10, 1), "Odwrotnie")
    with pytest.raises(FreeDayError):
        add_school_free_day(world.year, date(2026, 10, 2), date(2026, 10, 2), "  ")
    assert fill_statutory_free_days(world.year) == 0  # already there: nothing twice


# --- the demo school follows its free days ---------------------------------------------------

def test_the_demo_school_has_no_lessons_tests_or_homework_on_free_days(gradebook_app):
    today = date(2027, 1, 8)
    people = seed_people(DemoShape(levels=(1, 4), sections=("a",), pupils_per_class=(3, 4)),
                         today=today)
    seed_register(people.school.id, today=today)
    db.session.commit()
    free = free_dates(people.school.id, date(2026, 9, 1), date(2027, 8, 31))
    assert {date(2026, 11, 11), date(2026, 12, 25), date(2026, 10, 14),
            date(2026, 12, 28)} <= set(free)
    lesson_days = set(db.session.execute(sa.select(Lesson.date).distinct()).scalars())
    assert lesson_days and not lesson_days & set(free)
    assert date(2026, 11, 10) in lesson_days  # the day before Independence Day is a school day
    test_days = set(db.session.execute(sa.select(Event.date).where(
        Event.kind.in_(("test", "quiz")))).scalars())
    assert test_days and not test_days & set(free)
    due = set(db.session.execute(sa.select(Homework.due_on)).scalars())
    assert due and not due & set(free) and all(d.weekday() < 5 for d in due)
