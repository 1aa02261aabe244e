"""The teacher's week plan (issue 14): a whole week at once with substitutions taken,
cancellations struck out, free days named, and a previous/next week switcher."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from gradebook_service.extensions import db
from gradebook_service.school.models import FreeDay
from gradebook_service.timetable.models import TimetableChange
from tests.gradebook.register_factories import TODAY, build_school, sign_in


@pytest.fixture
def clock():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC),
                             tick=False) as traveller:
        yield traveller


def week_world():
    """Maths teacher: Monday 1a p1 and 1b p4, Tuesday 1a p2 and 1b p5 (register_factories).

    This week: 1b's Monday lesson is cancelled, the maths teacher takes 1a's Polish lesson
    (Monday p2) as a substitute, and Tuesday is the school's day off.
    """
    world = build_school()
    school = world.school
    db.session.add_all([
        TimetableChange(school_id=school.id, class_id=world.classes["1b"].id, date=TODAY,
                        period_number=4, kind="cancellation", note="Wycieczka klasy"),
        TimetableChange(school_id=school.id, class_id=world.classes["1a"].id, date=TODAY,
                        period_number=2, kind="substitution",
                        teacher_id=world.teachers["math"].id),
        FreeDay(school_id=school.id, school_year_id=world.year.id, kind="school",
                name="Dzień dyrektorski", starts_on=TODAY + timedelta(days=1),
                ends_on=TODAY + timedelta(days=1)),
    ])
    db.session.commit()
    return world


def day_section(page: str, day) -> str:
    start = page.index(f'id="day-{day.isoformat()}"')
    end = page.find("<section", start)
    return page[start:end if end != -1 else None]


def test_the_week_shows_lessons_substitutions_cancellations_and_free_days(
        gradebook_app, gradebook_client, clock):
    world = week_world()
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get("/staff/week").text
    assert "Plan tygodnia" in page
    monday = day_section(page, TODAY)
    assert "1a · Matematyka" in monday
    assert "1a · Język polski" in monday and "zastępstwo" in monday
    assert "za: Jan Kowalski" in monday  # whose lesson the substitute takes
    assert 'class="cancelled"' in monday and "1b · Matematyka" in monday
    assert "odwołane" in monday
    tuesday = day_section(page, TODAY + timedelta(days=1))
    assert "Dzień wolny: Dzień dyrektorski" in tuesday and "Matematyka" not in tuesday
    wednesday = day_section(page, TODAY + timedelta(days=2))
    assert "Brak lekcji." in wednesday
    # the other teacher no longer has the lesson the substitute took
    sign_in(gradebook_client, world.staff_accounts["polish"])
    assert "1a · Język polski" not in day_section(gradebook_client.get("/staff/week").text,
                                                   TODAY)


def test_previous_and_next_week(gradebook_app, gradebook_client, clock):
    world = week_world()
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get("/staff/week").text
    following = (TODAY + timedelta(days=7)).isoformat()
    previous = (TODAY - timedelta(days=7)).isoformat()
    assert f'href="?week={following}"' in page and f'href="?week={previous}"' in page
    # any day of a week opens that week, from Monday
    next_week = gradebook_client.get(f"/staff/week?week={(TODAY + timedelta(days=9)).isoformat()}").text
    monday = day_section(next_week, TODAY + timedelta(days=7))
    assert "zastępstwo" not in monday and "1a · Język polski" not in monday
    assert "1b · Matematyka" in monday and 'class="cancelled"' not in monday
    assert "Dzień wolny" not in next_week
    # a nonsense date falls back to this week
    assert 'id="day-2026-10-05"' in gradebook_client.get("/staff/week?week=xx").text
