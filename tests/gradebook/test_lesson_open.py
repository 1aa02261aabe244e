"""Opening a lesson from the timetable always lands on a lesson the teacher may edit."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from gradebook_service.extensions import db
from gradebook_service.lessons.models import Lesson
from gradebook_service.school.models import ClassGroup
from gradebook_service.timetable.models import TimetableChange, TimetableEntry
from tests.gradebook.register_factories import TODAY, build_school, sign_in


@pytest.fixture
def world(gradebook_app):
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield build_school("A")


def open_slot(client, world, subject="math", period=1):
    """Open 1a's lesson in ``period`` today; return the lesson screen's response and its id."""
    client.get("/staff/")
    response = client.post("/staff/lessons/open", data={
        "class_id": world.classes["1a"].id, "subject_id": world.subjects[subject].id,
        "date": TODAY.isoformat(), "period": period})
    assert response.status_code == 303
    location = response.headers["Location"]
    return client.get(location), location.rstrip("/").rsplit("/", 1)[-1]


def lessons_of_slot(world, period=1) -> list[Lesson]:
    db.session.rollback()
    return list(db.session.execute(sa.select(Lesson).where(
        Lesson.school_id == world.school.id, Lesson.class_id == world.classes["1a"].id,
        Lesson.date == TODAY, Lesson.period_number == period).order_by(Lesson.id)).scalars())


def test_opening_twice_gives_the_same_lesson(gradebook_client, world):
    sign_in(gradebook_client, world.staff_accounts["math"])
    first, first_id = open_slot(gradebook_client, world)
    again, again_id = open_slot(gradebook_client, world)
    assert first.status_code == again.status_code == 200 and first_id == again_id
    assert [lesson.teacher_id for lesson in lessons_of_slot(world)] == [world.teachers["math"].id]


def test_a_substitute_takes_over_a_lesson_opened_before_the_substitution(gradebook_client,
                                                                          world):
    sign_in(gradebook_client, world.staff_accounts["math"])
    page, lesson_id = open_slot(gradebook_client, world)
    assert page.status_code == 200
    # Then the office records that the history teacher takes this maths lesson.
    db.session.add(TimetableChange(school_id=world.school.id, class_id=world.classes["1a"].id,
                                   date=TODAY, period_number=1, kind="substitution",
                                   teacher_id=world.teachers["history"].id,
                                   subject_id=world.subjects["math"].id))
    db.session.commit()
    sign_in(gradebook_client, world.staff_accounts["history"])
    page, taken_id = open_slot(gradebook_client, world)
    assert page.status_code == 200
    assert taken_id == lesson_id
    assert [lesson.teacher_id for lesson in lessons_of_slot(world)] == \
        [world.teachers["history"].id]
    # The regular teacher no longer has the lesson in their plan for today.
    sign_in(gradebook_client, world.staff_accounts["math"])
    gradebook_client.get("/staff/")
    refused = gradebook_client.post("/staff/lessons/open", data={
        "class_id": world.classes["1a"].id, "subject_id": world.subjects["math"].id,
        "date": TODAY.isoformat(), "period": 1})
    assert refused.status_code == 303 and "/staff/lessons/" not in refused.headers["Location"]


def test_two_teachers_of_groups_in_one_period_each_get_their_own_lesson(gradebook_client,
                                                                        world):
    klass = world.classes["1a"]
    first, second = (ClassGroup(school_id=world.school.id, class_id=klass.id, name=name)
                     for name in ("gr. 1", "gr. 2"))
    db.session.add_all([first, second])
    db.session.flush()
    entry = db.session.execute(sa.select(TimetableEntry).where(
        TimetableEntry.class_id == klass.id, TimetableEntry.weekday == 1,
        TimetableEntry.period_number == 1)).scalar_one()
    entry.group_id = first.id
    db.session.add(TimetableEntry(school_id=world.school.id, school_year_id=world.year.id,
                                  class_id=klass.id, weekday=1, period_number=1,
                                  subject_id=world.subjects["math"].id,
                                  teacher_id=world.teachers["polish"].id, room="20",
                                  group_id=second.id))
    db.session.commit()
    ids = {}
    for teacher in ("math", "polish"):
        sign_in(gradebook_client, world.staff_accounts[teacher])
        page, ids[teacher] = open_slot(gradebook_client, world)
        assert page.status_code == 200, teacher
    assert ids["math"] != ids["polish"]
    assert {lesson.teacher_id for lesson in lessons_of_slot(world)} == \
        {world.teachers["math"].id, world.teachers["polish"].id}
    # Each reopens their own.
    for teacher in ("math", "polish"):
        sign_in(gradebook_client, world.staff_accounts[teacher])
        page, again = open_slot(gradebook_client, world)
        assert page.status_code == 200 and again == ids[teacher]


def test_a_stale_lesson_taken_over_by_another_teacher_first_is_not_taken_again(gradebook_client,
                                                                                world):
    """Two teachers of one slot take over the same stale lesson at once: one gets it."""
    from gradebook_service.lessons.services import _take_over

    sign_in(gradebook_client, world.staff_accounts["math"])
    _page, lesson_id = open_slot(gradebook_client, world)
    lesson = lessons_of_slot(world)[0]
    assert lesson.id == int(lesson_id) and lesson.teacher_id == world.teachers["math"].id
    # The other teacher's takeover commits between this request's read and its write:
    # the row changes under the object this request holds (still showing maths).
    db.session.execute(sa.update(Lesson).where(Lesson.id == lesson.id)
                       .values(teacher_id=world.teachers["history"].id)
                       .execution_options(synchronize_session=False))
    assert lesson.teacher_id == world.teachers["math"].id
    assert _take_over(lesson, world.teachers["math"].id) is False
    assert lesson.teacher_id == world.teachers["history"].id
    # With the row as it is read now, the takeover succeeds.
    assert _take_over(lesson, world.teachers["math"].id) is True
    assert lesson.teacher_id == world.teachers["math"].id
