"""Attendance: a teacher's lesson screen service, percentages, custom types, the change log."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.history.models import ChangeLogEntry
from gradebook_service.lessons import services
from gradebook_service.lessons.models import Attendance
from gradebook_service.school.years import school_year_for
from tests.gradebook.register_factories import TODAY, build_school


@pytest.mark.parametrize(("attended", "missed", "expected"), [
    (0, 0, None), (10, 0, 100.0), (9, 1, 90.0), (2, 1, 66.7), (0, 3, 0.0)])
def test_percent(attended, missed, expected):
    assert services.percent(attended, missed) == expected


def test_teacher_opens_lesson_from_timetable_and_marks_attendance(gradebook_app):
    world = build_school(pupils_per_class=3)
    teacher = world.staff_accounts["math"]
    klass, math = world.classes["1a"], world.subjects["math"]
    lesson = services.open_lesson(teacher, klass.id, math.id, TODAY, 1)
    assert services.open_lesson(teacher, klass.id, math.id, TODAY, 1).id == lesson.id
    p1, p2, p3 = world.pupils["1a"]
    services.save_lesson(teacher, world.school, lesson, "Ułamki",
                         {p1.id: "absent", p2.id: "late"})
    db.session.commit()
    statuses = dict(db.session.execute(sa.select(Attendance.pupil_id, Attendance.status)).all())
    assert statuses == {p1.id: "absent", p2.id: "late", p3.id: "present"}
    log = db.session.execute(sa.select(ChangeLogEntry)).scalars().all()
    assert len(log) == 3 and {e.action for e in log} == {"create"}
    # a change is logged with old and new value
    services.save_lesson(teacher, world.school, lesson, "Ułamki", {p1.id: "present"})
    changes = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.action == "update")).scalars().all()
    assert len(changes) == 2  # p1 absent → present, p2 late → present
    entry = next(c for c in changes if c.pupil_id == p1.id)
    assert entry.old_value["status"] == "absent" and entry.new_value["status"] == "present"
    assert entry.changed_by_name == "Anna Nowak"


def test_lesson_not_in_teachers_timetable_is_refused(gradebook_app):
    world = build_school()
    with pytest.raises(services.LessonError):
        services.open_lesson(world.staff_accounts["polish"], world.classes["1a"].id,
                             world.subjects["math"].id, TODAY, 1)
    with pytest.raises(services.LessonError):  # Wednesday: no lessons
        services.open_lesson(world.staff_accounts["math"], world.classes["1a"].id,
                             world.subjects["math"].id, TODAY + timedelta(days=2), 1)


def test_topic_is_required_and_unknown_types_refused(gradebook_app):
    world = build_school()
    teacher = world.staff_accounts["math"]
    lesson = services.open_lesson(teacher, world.classes["1a"].id, world.subjects["math"].id,
                                  TODAY, 1)
    with pytest.raises(services.LessonError):
        services.save_lesson(teacher, world.school, lesson, "  ", {})
    with pytest.raises(services.LessonError):
        services.save_lesson(teacher, world.school, lesson, "T",
                             {world.pupils["1a"][0].id: "bogus"})


def test_school_types_map_to_base_statuses(gradebook_app):
    world = build_school(settings={"attendance_types": [
        {"code": "trip", "label": "Wycieczka", "symbol": "wy", "maps_to": "school_duty"}]})
    teacher = world.staff_accounts["math"]
    lesson = services.open_lesson(teacher, world.classes["1a"].id, world.subjects["math"].id,
                                  TODAY, 1)
    pupil = world.pupils["1a"][0]
    services.save_lesson(teacher, world.school, lesson, "T", {pupil.id: "trip"})
    record = db.session.execute(sa.select(Attendance).where(
        Attendance.pupil_id == pupil.id)).scalar_one()
    assert (record.status, record.type_code) == ("school_duty", "trip")
    assert services.status_symbol(world.school, record.status, record.type_code) == (
        "wy", "Wycieczka")


def test_percentages_overall_and_per_subject_per_term(gradebook_app):
    world = build_school(lessons=True, scale=2)  # 8 weeks × 3 lessons; absent every 4th week
    pupil = world.pupils["1a"][0]
    year = school_year_for(world.school.id, TODAY)
    overall, subjects = services.attendance_summary(world.school.id, pupil.id, year)
    assert overall.counts["term1"] == [18, 6]
    assert overall.pct("term1") == 75.0 and overall.pct("year") == 75.0
    assert overall.pct("term2") is None
    assert [name for name, _ in subjects] == ["Historia", "Język polski", "Matematyka"]
    assert all(p.pct("term1") == 75.0 for _, p in subjects)
    other = world.pupils["1a"][1]
    overall2, _ = services.attendance_summary(world.school.id, other.id, year)
    assert overall2.pct("year") == 100.0


def test_released_is_left_out_late_and_school_duty_count_as_present(gradebook_app):
    p = services.Percentages()
    for status, n in (("present", 5), ("late", 2), ("school_duty", 1), ("released", 4),
                      ("absent", 1), ("excused", 1)):
        p.add(1, status, n)
    assert p.counts["term1"] == [8, 2] and p.pct("term1") == 80.0
