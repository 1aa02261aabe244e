"""The home page's counts agree with what the section pages mark (issue 12)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from gradebook_service.calendar.models import Event
from gradebook_service.extensions import db
from gradebook_service.homework.models import Homework
from tests.gradebook.register_factories import TODAY, build_school, sign_in


@pytest.fixture
def clock():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC),
                             tick=False) as traveller:
        yield traveller


def badge(home: str, path: str) -> int:
    return int(re.search(rf'href="{re.escape(path)}">[^<]*</a>: (\d+)', home).group(1))


def marked_grades(page: str) -> int:
    return len(re.findall(r'class="grade\b[^"]*\bnew\b[^"]*"', page))


def marked_homework(page: str) -> int:
    return page.count('<span class="badge">')


def _homework(world, due_in: int, description: str):
    db.session.add(Homework(school_id=world.school.id, class_id=world.classes["1a"].id,
                            subject_id=world.subjects["math"].id,
                            teacher_id=world.teachers["math"].id, assigned_on=TODAY,
                            due_on=TODAY + timedelta(days=due_in), description=description))


def test_new_grades_badge_equals_the_grades_marked_new(gradebook_app, gradebook_client, clock):
    world = build_school(lessons=True)
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    home = gradebook_client.get("/family/").text
    first = gradebook_client.get("/family/grades").text
    assert badge(home, "/family/grades") == marked_grades(first) == 15
    clock.shift(timedelta(hours=1))
    home = gradebook_client.get("/family/").text
    again = gradebook_client.get("/family/grades").text
    assert badge(home, "/family/grades") == marked_grades(again) == 0


def test_new_homework_badge_equals_the_homework_marked_new(gradebook_app, gradebook_client, clock):
    world = build_school()
    _homework(world, 2, "Zadanie 1")
    _homework(world, 5, "Zadanie 2")
    _homework(world, -3, "Zadanie z zeszłego tygodnia")  # listed, but no longer due
    db.session.commit()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    home = gradebook_client.get("/family/").text
    page = gradebook_client.get("/family/homework").text
    assert "Zadanie z zeszłego tygodnia" in page
    assert badge(home, "/family/homework") == marked_homework(page) == 2
    clock.shift(timedelta(hours=1))
    _homework(world, 1, "Zadanie 3")
    db.session.commit()
    home = gradebook_client.get("/family/").text
    page = gradebook_client.get("/family/homework").text
    assert badge(home, "/family/homework") == marked_homework(page) == 1


def test_upcoming_tests_count_what_is_ahead_even_after_a_visit(gradebook_app, gradebook_client,
                                                               clock):
    world = build_school()
    for days, title in ((1, "ułamki"), (6, "dzielenie"), (13, "geometria"), (20, "za daleko"),
                        (-1, "wczoraj")):
        db.session.add(Event(school_id=world.school.id, class_id=world.classes["1a"].id,
                             subject_id=world.subjects["math"].id,
                             teacher_id=world.teachers["math"].id, kind="test",
                             date=TODAY + timedelta(days=days), title=title))
    db.session.commit()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    assert badge(gradebook_client.get("/family/").text, "/family/calendar") == 3
    gradebook_client.get("/family/calendar")
    clock.shift(timedelta(hours=1))
    assert badge(gradebook_client.get("/family/").text, "/family/calendar") == 3
