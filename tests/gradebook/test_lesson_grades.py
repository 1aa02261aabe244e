"""A substitute teacher grades the lesson they took - that lesson only, never the term."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine

from gradebook_service.accounts.access import may_grade_lesson
from gradebook_service.extensions import db
from gradebook_service.grades.models import Assessment, Grade
from gradebook_service.history.models import ChangeLogEntry
from gradebook_service.lessons.models import Lesson
from gradebook_service.school.keys import find_by_id
from gradebook_service.timetable.models import TimetableChange
from tests.gradebook.homeroom_factories import add_pupils
from tests.gradebook.register_factories import TODAY, add_register, build_school, sign_in
from tests.gradebook.test_register_query_counts import _counts


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def taken(gradebook_app, gradebook_client, frozen):
    """The history teacher substitutes for maths in 1a today (period 1) and opens the lesson."""
    a = build_school("A", lessons=True)
    klass, math = a.classes["1a"], a.subjects["math"]
    db.session.add(TimetableChange(school_id=a.school.id, class_id=klass.id, date=TODAY,
                                   period_number=1, kind="substitution",
                                   teacher_id=a.teachers["history"].id, subject_id=math.id))
    db.session.commit()
    sign_in(gradebook_client, a.staff_accounts["history"])
    assert "Oceny z tej lekcji" not in gradebook_client.get("/staff/").text
    opened = gradebook_client.post("/staff/lessons/open", data={
        "class_id": klass.id, "subject_id": math.id, "date": TODAY.isoformat(), "period": 1})
    assert opened.status_code in (302, 303)
    lesson = db.session.execute(sa.select(Lesson).where(
        Lesson.school_id == a.school.id, Lesson.date == TODAY, Lesson.period_number == 1,
        Lesson.class_id == klass.id)).scalar_one()
    assert lesson.teacher_id == a.teachers["history"].id
    return a, lesson


def _add_column(client, lesson, world, description="Odpowiedź na zastępstwie"):
    client.get(f"/staff/lessons/{lesson.id}/grades")
    response = client.post(f"/staff/lessons/{lesson.id}/grades/columns", data={
        "category_id": world.categories["Odpowiedź ustna"].id, "description": description})
    assert response.status_code == 303
    return db.session.execute(sa.select(Assessment).where(
        Assessment.description == description)).scalar_one()


def test_the_substitute_grades_the_lesson_taken(gradebook_client, taken):
    a, lesson = taken
    pupil = a.pupils["1a"][0]
    assert f"/staff/lessons/{lesson.id}/grades" in gradebook_client.get("/staff/").text
    column = _add_column(gradebook_client, lesson, a)
    assert column.date == TODAY and column.teacher_id == a.teachers["history"].id
    assert column.subject_id == a.subjects["math"].id
    response = gradebook_client.post(f"/staff/lessons/{lesson.id}/grades",
                                     data={f"g-{pupil.id}-{column.id}": "5+"})
    assert response.status_code == 303
    grade = db.session.execute(sa.select(Grade).where(Grade.assessment_id == column.id)
                               ).scalar_one()
    assert (grade.value, grade.pupil_id, grade.teacher_id) == ("5+", pupil.id,
                                                                a.teachers["history"].id)
    assert db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == "grade", ChangeLogEntry.entity_id == grade.id)).scalar_one()
    page = gradebook_client.get(f"/staff/lessons/{lesson.id}/grades").text
    assert 'value="5+"' in page


def test_a_wrong_mark_is_refused_in_polish(gradebook_client, taken):
    a, lesson = taken
    column = _add_column(gradebook_client, lesson, a)
    response = gradebook_client.post(f"/staff/lessons/{lesson.id}/grades",
                                     data={f"g-{a.pupils['1a'][0].id}-{column.id}": "7"})
    assert response.status_code == 422 and "7 to nie ocena" in response.text


def test_the_substitute_cannot_reach_the_terms_other_grades(gradebook_client, taken):
    a, lesson = taken
    klass, math, pupil = a.classes["1a"], a.subjects["math"], a.pupils["1a"][0]
    # the subject teacher's grid and its columns stay theirs
    assert gradebook_client.get(
        f"/staff/classes/{klass.id}/subjects/{math.id}/grades").status_code == 404
    theirs = db.session.execute(sa.select(Grade).join(Assessment).where(
        Assessment.subject_id == math.id, Grade.pupil_id == pupil.id,
        Assessment.teacher_id == a.teachers["math"].id).limit(1)).scalar_one()
    before = theirs.value
    page = gradebook_client.get(f"/staff/lessons/{lesson.id}/grades").text
    assert f"g-{pupil.id}-{theirs.assessment_id}" not in page
    response = gradebook_client.post(f"/staff/lessons/{lesson.id}/grades", data={
        f"g-{pupil.id}-{theirs.assessment_id}": "1", f"f-{pupil.id}-term-final": "1"})
    assert response.status_code == 303
    db.session.expire_all()
    assert find_by_id(Grade, theirs.id).value == before  # the forged cell was ignored
    assert gradebook_client.post(
        f"/staff/classes/{klass.id}/subjects/{math.id}/assessments",
        data={"category_id": a.categories["Sprawdzian"].id}).status_code == 404


def test_another_lesson_of_the_class_is_refused(gradebook_client, taken):
    a, lesson = taken
    other = db.session.execute(sa.select(Lesson).where(
        Lesson.school_id == a.school.id, Lesson.class_id == a.classes["1a"].id,
        Lesson.subject_id == a.subjects["math"].id, Lesson.id != lesson.id).limit(1)
    ).scalar_one()
    assert gradebook_client.get(f"/staff/lessons/{other.id}/grades").status_code == 404
    assert gradebook_client.post(f"/staff/lessons/{other.id}/grades/columns", data={
        "category_id": a.categories["Sprawdzian"].id}).status_code == 404


def test_a_lesson_without_a_substitution_is_refused(gradebook_client, taken):
    """Had the substitution been withdrawn, the lesson no longer opens grading."""
    a, lesson = taken
    db.session.execute(sa.delete(TimetableChange).where(
        TimetableChange.school_id == a.school.id))
    db.session.commit()
    assert gradebook_client.get(f"/staff/lessons/{lesson.id}/grades").status_code == 404


def test_a_substitution_next_week_does_not_open_this_lesson(gradebook_client, taken):
    """The substitution must be of this lesson's day and period, not another one."""
    a, lesson = taken
    change = db.session.execute(sa.select(TimetableChange)).scalar_one()
    change.date = TODAY + timedelta(days=7)
    db.session.commit()
    assert gradebook_client.get(f"/staff/lessons/{lesson.id}/grades").status_code == 404


@pytest.mark.parametrize(("who", "status"), [
    ("math", 200),  # the subject teacher may open it too (but has the grid for the term)
    ("admin", 200), ("polish", 404), ("parent", 404), ("pupil", 404), ("other-school", 404)])
def test_who_may_open_the_lessons_grades(gradebook_client, taken, who, status):
    a, lesson = taken
    p = a.pupils["1a"][0]
    account = {"parent": a.parent_accounts[p.id], "pupil": a.pupil_accounts[p.id]}.get(who)
    if who == "other-school":
        account = build_school("B").staff_accounts["admin"]
    sign_in(gradebook_client, account or a.staff_accounts[who])
    assert gradebook_client.get(f"/staff/lessons/{lesson.id}/grades").status_code == status


def test_may_grade_lesson_rule(gradebook_app, frozen):
    """The rule itself: the substitution must name the teacher who held the lesson."""
    a = build_school("A")
    b = build_school("B")
    history, math = a.teachers["history"].id, a.teachers["math"].id
    klass, subject = a.classes["1a"].id, a.subjects["math"].id

    def lesson(teacher_id, school_id=a.school.id):
        return SimpleNamespace(school_id=school_id, class_id=klass, subject_id=subject,
                               teacher_id=teacher_id)

    acc = a.staff_accounts
    assert may_grade_lesson(acc["history"], lesson(history), history)
    assert not may_grade_lesson(acc["history"], lesson(history), None)  # no substitution
    assert not may_grade_lesson(acc["history"], lesson(math), history)  # not theirs to hold
    assert not may_grade_lesson(acc["history"], lesson(history), math)  # someone else's
    assert not may_grade_lesson(acc["polish"], lesson(history), history)
    assert may_grade_lesson(acc["math"], lesson(history), history)  # teaches the subject
    assert may_grade_lesson(acc["admin"], lesson(history), history)
    assert not may_grade_lesson(b.staff_accounts["admin"], lesson(history), history)
    assert not may_grade_lesson(acc["history"], lesson(history, b.school.id), history)
    assert not may_grade_lesson(a.parent_accounts[a.pupils["1a"][0].id], lesson(history),
                                history)
    assert not may_grade_lesson(None, lesson(history), history)


def test_the_lesson_grades_page_costs_constant_queries(gradebook_client, taken):
    a, lesson = taken
    column = _add_column(gradebook_client, lesson, a)
    url = f"/staff/lessons/{lesson.id}/grades"
    small = _counts(gradebook_client, db.engine, [url])
    add_pupils(a, "1a", 22)
    add_register(a, scale=3, first_week=5)
    _add_column(gradebook_client, lesson, a, description="Druga kolumna")
    for pupil in a.pupils["1a"]:
        db.session.add(Grade(school_id=a.school.id, assessment_id=column.id, pupil_id=pupil.id,
                             subject_id=column.subject_id, term_id=column.term_id, value="4",
                             teacher_id=column.teacher_id))
    db.session.commit()
    assert _counts(gradebook_client, db.engine, [url]) == small
