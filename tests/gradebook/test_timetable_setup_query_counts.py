"""The administrator's timetable and grading pages issue a fixed number of queries."""

import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.grades.models import Assessment, GradeCategory
from gradebook_service.school.models import ClassGroup, SchoolClass, TeachingAssignment
from gradebook_service.timetable.models import TimetableEntry
from tests.gradebook.register_factories import TODAY, build_school, sign_in
from tests.gradebook.test_register_query_counts import _counts


def _grow(world, n: int) -> None:
    """n more classes with a full week each, n more categories in use, n groups in 1a."""
    school, year = world.school, world.year
    subject, teacher = world.subjects["history"], world.teachers["history"]
    for i in range(n):
        klass = SchoolClass(school_id=school.id, school_year_id=year.id, name=f"7{i}",
                            level=7)
        db.session.add(klass)
        db.session.flush()
        db.session.add(TeachingAssignment(school_id=school.id, class_id=klass.id,
                                          subject_id=subject.id, teacher_id=teacher.id))
        for weekday in range(1, 6):
            db.session.add(TimetableEntry(school_id=school.id, school_year_id=year.id,
                                          class_id=klass.id, weekday=weekday,
                                          period_number=8, subject_id=subject.id,
                                          teacher_id=teacher.id, room=f"R{i}"))
        category = GradeCategory(school_id=school.id, name=f"Kategoria {i}", weight=2)
        db.session.add(category)
        db.session.flush()
        db.session.add(Assessment(school_id=school.id, class_id=klass.id,
                                  subject_id=subject.id, term_id=world.term1.id,
                                  teacher_id=teacher.id, category_id=category.id, weight=2,
                                  date=TODAY))
        group = ClassGroup(school_id=school.id, class_id=world.classes["1a"].id,
                           name=f"gr. {i}")
        db.session.add(group)
        db.session.flush()
        db.session.add(TimetableEntry(school_id=school.id, school_year_id=year.id,
                                      class_id=world.classes["1a"].id, weekday=3,
                                      period_number=1 + i % 8, subject_id=subject.id,
                                      teacher_id=teacher.id, group_id=group.id))
    db.session.commit()


def test_admin_pages_constant_queries(gradebook_app, gradebook_client):
    world = build_school()
    sign_in(gradebook_client, world.staff_accounts["admin"])
    entry = db.session.execute(sa.select(TimetableEntry.id).where(
        TimetableEntry.class_id == world.classes["1a"].id).limit(1)).scalar()
    urls = ["/admin/timetable", f"/admin/timetable/classes/{world.classes['1a'].id}",
            f"/admin/timetable/entries/{entry}", "/admin/bell-times",
            "/admin/timetable/import", "/admin/grades/categories", "/admin/grades/rules",
            "/setup/settings/", "/setup/"]
    small = _counts(gradebook_client, db.engine, urls)
    _grow(world, 12)
    large = _counts(gradebook_client, db.engine, urls)
    assert large == small
    assert max(small.values()) <= 12, small
