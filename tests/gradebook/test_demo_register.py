"""The demo register: realistic, clash-free, idempotent."""

from datetime import date

import sqlalchemy as sa

from gradebook_service.demo.cli import seed_people
from gradebook_service.demo.people import DemoShape
from gradebook_service.demo.register import seed_register
from gradebook_service.extensions import db
from gradebook_service.grades.models import Grade
from gradebook_service.lessons.models import Attendance, Lesson
from gradebook_service.school.models import TeachingAssignment
from gradebook_service.timetable.models import TimetableEntry

TODAY = date(2026, 11, 27)
SHAPE = DemoShape(levels=(1, 4, 7, 8), sections=("a", "b"), pupils_per_class=(5, 6))


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def test_seed_register_fills_a_term_and_runs_once(gradebook_app):
    people = seed_people(SHAPE, today=TODAY)
    stats = seed_register(people.school.id, today=TODAY)
    db.session.commit()
    assert stats["lessons"] > 8 * 20 * 10 and stats["grades"] > 0
    assert _count(Attendance) == stats["attendance"]
    # no teacher and no class is in two places at once
    clashes = db.session.execute(
        sa.select(TimetableEntry.teacher_id, TimetableEntry.weekday,
                  TimetableEntry.period_number)
        .group_by(TimetableEntry.teacher_id, TimetableEntry.weekday,
                  TimetableEntry.period_number).having(sa.func.count() > 1)).all()
    assert clashes == []
    # lessons only on school days up to today
    days = db.session.execute(sa.select(sa.func.min(Lesson.date), sa.func.max(Lesson.date))).one()
    assert days[1] <= TODAY
    before = (_count(Lesson), _count(Grade), _count(TeachingAssignment))
    people = seed_people(SHAPE, today=TODAY)  # the whole seed-demo again
    assert seed_register(people.school.id, today=TODAY) == {"skipped": True}
    db.session.commit()
    assert (_count(Lesson), _count(Grade), _count(TeachingAssignment)) == before
