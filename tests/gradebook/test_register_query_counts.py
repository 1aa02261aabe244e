"""Every family and teacher page issues a fixed number of SQL queries, whatever the data volume."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from gradebook_service.announcements.models import Announcement
from gradebook_service.calendar.models import Event
from gradebook_service.extensions import db
from gradebook_service.homework.models import Homework
from gradebook_service.remarks.models import Remark
from gradebook_service.timetable.models import TimetableChange
from tests.gradebook.register_factories import TODAY, add_register, build_school, sign_in

FAMILY = ["/family/", "/family/grades", "/family/attendance", "/family/excuses/new",
          "/family/timetable", "/family/homework", "/family/calendar",
          "/family/calendar?view=week", "/family/announcements", "/family/remarks",
          "/family/pupil", "/family/organisation", "/family/settings", "/family/grades.pdf"]


@contextmanager
def count_queries(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def _more_data(world, n: int) -> None:
    """n × the homework, events, announcements, remarks and substitutions of class 1a."""
    klass, school = world.classes["1a"], world.school
    teacher, subject = world.teachers["math"], world.subjects["math"]
    pupil = world.pupils["1a"][0]
    for i in range(n):
        day = TODAY + timedelta(days=i % 20)
        db.session.add(Homework(school_id=school.id, class_id=klass.id, subject_id=subject.id,
                                teacher_id=teacher.id, assigned_on=TODAY, due_on=day,
                                description=f"Zadanie {i}"))
        db.session.add(Event(school_id=school.id, class_id=klass.id, subject_id=subject.id,
                             teacher_id=teacher.id, kind="quiz", date=day, title=f"K {i}"))
        db.session.add(Announcement(school_id=school.id, audience="everyone",
                                    author_id=teacher.id, title=f"O {i}", body="Treść",
                                    valid_from=TODAY, valid_until=day))
        db.session.add(Remark(school_id=school.id, pupil_id=pupil.id, teacher_id=teacher.id,
                              date=TODAY, kind="positive", category="Inne", text=f"U {i}"))
    for period in (1, 2):
        db.session.add(TimetableChange(school_id=school.id, class_id=klass.id,
                                       date=TODAY + timedelta(days=7 * n // 10),
                                       period_number=period, kind="substitution",
                                       teacher_id=world.teachers["history"].id))
    db.session.commit()


def _counts(client, engine, urls) -> dict[str, int]:
    result = {}
    for url in urls:
        client.get(url)  # the first visit creates per-account rows (visits, feed token)
        # A fresh app context, so a fresh session and ``g`` as each request has in production
        # (the test's own app context would otherwise be shared by every request).
        with client.application.app_context(), count_queries(engine) as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        result[url] = len(statements)
    return result


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield


@pytest.mark.app_config({"REGISTER_FRAGMENT_CACHE": False})  # count the full work, not cache hits
def test_family_pages_constant_queries(gradebook_app, gradebook_client, frozen):
    world = build_school(pupils_per_class=3, lessons=True, scale=1)
    _more_data(world, 2)
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    engine = db.engine
    small = _counts(gradebook_client, engine, FAMILY)
    add_register(world, scale=10, first_week=5)  # 10× lessons, attendance and grades
    _more_data(world, 20)
    db.session.commit()
    large = _counts(gradebook_client, engine, FAMILY)
    assert large == small
    assert max(small.values()) <= 20, small


def test_staff_pages_constant_queries(gradebook_app, gradebook_client, frozen):
    world = build_school(pupils_per_class=3, lessons=True, scale=1)
    klass, math = world.classes["1a"], world.subjects["math"]
    sign_in(gradebook_client, world.staff_accounts["math"])
    gradebook_client.get("/staff/")
    opened = gradebook_client.post("/staff/lessons/open", data={
        "class_id": klass.id, "subject_id": math.id, "date": TODAY.isoformat(), "period": 1})
    urls = ["/staff/", opened.headers["Location"],
            f"/staff/classes/{klass.id}/subjects/{math.id}/grades",
            f"/staff/classes/{klass.id}/remarks", "/staff/excuses", "/staff/history",
            f"/staff/history?pupil={world.pupils['1a'][0].id}", "/staff/homework/new",
            "/staff/events/new", "/staff/announcements/new"]
    small = _counts(gradebook_client, db.engine, urls)
    add_register(world, scale=10, first_week=5)
    _more_data(world, 20)
    large = _counts(gradebook_client, db.engine, urls)
    assert large == small


def test_cached_grades_page_costs_one_query_less_than_three(gradebook_app, gradebook_client,
                                                            frozen):
    """A repeat visit of the grades page answers from the fragment cache: fewer queries."""
    world = build_school(pupils_per_class=3, lessons=True, scale=1)
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    gradebook_client.get("/family/grades")
    gradebook_client.get("/family/grades")  # the visit is recorded: the key is now stable
    gradebook_app.config["REGISTER_FRAGMENT_CACHE"] = False
    full = _counts(gradebook_client, db.engine, ["/family/grades"])["/family/grades"]
    gradebook_app.config["REGISTER_FRAGMENT_CACHE"] = True
    gradebook_client.get("/family/grades")
    cached = _counts(gradebook_client, db.engine, ["/family/grades"])["/family/grades"]
    assert cached == full - 3  # subjects, grades and final grades are not read again
