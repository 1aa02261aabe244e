"""Family pages: what a parent and a pupil see, the badges, and the flow from teacher to parent."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from gradebook_service.calendar.models import Event
from gradebook_service.extensions import db
from gradebook_service.homework.models import Homework
from gradebook_service.school.keys import find_by_id
from gradebook_service.timetable.models import TimetableChange
from tests.gradebook.register_factories import TODAY, build_school, sign_in

FAMILY_PAGES = ["/family/", "/family/grades", "/family/attendance", "/family/excuses/new",
                "/family/timetable", "/family/homework", "/family/calendar",
                "/family/calendar?view=week", "/family/announcements", "/family/remarks",
                "/family/pupil", "/family/organisation", "/family/help", "/family/settings",
                "/messages", "/family/surveys"]


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield


@pytest.mark.parametrize("role", ["parent", "pupil"])
def test_every_family_page_renders(gradebook_app, gradebook_client, frozen, role):
    world = build_school(lessons=True)
    pupil = world.pupils["1a"][0]
    account = (world.parent_accounts if role == "parent" else world.pupil_accounts)[pupil.id]
    sign_in(gradebook_client, account)
    for url in FAMILY_PAGES:
        response = gradebook_client.get(url)
        assert response.status_code == 200, url
        assert "Uczeń1 Klasa1a" in response.text, url
    pdf = gradebook_client.get("/family/grades.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_polish_by_default_english_on_request(gradebook_app, gradebook_client, frozen):
    world = build_school()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    assert "Oceny" in gradebook_client.get("/family/").text
    assert "Grades" in gradebook_client.get("/family/?lang=en").text


def test_messages_and_surveys_are_on_the_menu(gradebook_app, gradebook_client, frozen):
    world = build_school()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    page = gradebook_client.get("/family/").text
    assert 'href="/family/surveys"' in page and 'href="/messages"' in page
    assert gradebook_client.get("/family/unavailable/surveys").status_code == 404


def test_substitution_shows_on_its_date_only(gradebook_app, gradebook_client, frozen):
    world = build_school()
    db.session.add(TimetableChange(school_id=world.school.id, class_id=world.classes["1a"].id,
                                   date=TODAY, period_number=1, kind="substitution",
                                   teacher_id=world.teachers["history"].id))
    db.session.commit()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    this_week = gradebook_client.get("/family/timetable?lang=en").text
    assert "instead of Anna Nowak" in this_week
    next_week = gradebook_client.get(
        f"/family/timetable?lang=en&week={(TODAY + timedelta(days=7)).isoformat()}").text
    assert "instead of" not in next_week


def test_teacher_enters_attendance_and_grade_parent_sees_both_with_badges(
        gradebook_app, gradebook_client, frozen):
    world = build_school()
    pupil = world.pupils["1a"][0]
    parent = world.parent_accounts[pupil.id]
    sign_in(gradebook_client, parent)
    home = gradebook_client.get("/family/?lang=en").text
    gradebook_client.get("/family/grades")
    gradebook_client.get("/family/attendance")
    teacher = world.staff_accounts["math"]
    staff = gradebook_app.test_client()
    sign_in(staff, teacher)
    page = staff.get("/staff/?lang=en")
    assert page.status_code == 200 and "Start lesson" in page.text
    opened = staff.post("/staff/lessons/open", data={
        "class_id": world.classes["1a"].id, "subject_id": world.subjects["math"].id,
        "date": TODAY.isoformat(), "period": 1})
    assert opened.status_code == 303
    lesson_url = opened.headers["Location"]
    staff.get(lesson_url)
    bad = staff.post(lesson_url, data={"topic": ""})
    assert bad.status_code == 422
    saved = staff.post(lesson_url, data={"topic": "Ułamki zwykłe", f"a-{pupil.id}": "absent"})
    assert saved.status_code == 303
    grid_url = (f"/staff/classes/{world.classes['1a'].id}/subjects/"
                f"{world.subjects['math'].id}/grades")
    staff.get(grid_url)
    staff.post(grid_url.replace("/grades", "/assessments"), data={
        "category_id": world.categories["Sprawdzian"].id, "date": TODAY.isoformat(),
        "description": "Ułamki", "term": 1})
    grid = staff.get(grid_url + "?lang=en")
    assert "Ułamki" in grid.text
    from gradebook_service.grades.models import Assessment

    assessment = db.session.execute(db.select(Assessment)).scalar_one()
    wrong = staff.post(grid_url, data={f"g-{pupil.id}-{assessment.id}": "7"})
    assert wrong.status_code == 422 and 'value="7"' in wrong.text
    ok = staff.post(grid_url, data={f"g-{pupil.id}-{assessment.id}": "4+"})
    assert ok.status_code == 303

    home = gradebook_client.get("/family/?lang=en").text
    assert 'class="badge">1<' in home  # one new grade, one new absence
    grades = gradebook_client.get("/family/grades?lang=en").text
    assert "4+" in grades and "grade new" in grades and "4.50" in grades
    attendance = gradebook_client.get("/family/attendance?lang=en").text
    assert "Matematyka" in attendance and "status-absent" in attendance
    # the excuse flow through the pages
    form = gradebook_client.get("/family/excuses/new?lang=en").text
    assert "Matematyka" in form
    from gradebook_service.lessons.models import Attendance

    record = db.session.execute(db.select(Attendance).where(
        Attendance.pupil_id == pupil.id)).scalar_one()
    empty = gradebook_client.post("/family/excuses/new", data={"reason": "Choroba"})
    assert empty.status_code == 422
    sent = gradebook_client.post("/family/excuses/new",
                                 data={"absence": record.id, "reason": "Choroba"})
    assert sent.status_code == 303
    waiting = staff.get("/staff/excuses").text
    assert "Choroba" in waiting
    from gradebook_service.lessons.models import Excuse

    excuse = db.session.execute(db.select(Excuse)).scalar_one()
    assert staff.post(f"/staff/excuses/{excuse.id}",
                      data={"decision": "accept"}).status_code == 303
    db.session.expire_all()
    assert find_by_id(Attendance, record.id).status == "excused"
    history = staff.get(f"/staff/history?pupil={pupil.id}&lang=en").text
    assert "Anna Nowak" in history and "4+" in history


def test_homework_and_tests_badges_and_calendar(gradebook_app, gradebook_client, frozen):
    world = build_school()
    klass = world.classes["1a"]
    db.session.add(Homework(school_id=world.school.id, class_id=klass.id,
                            subject_id=world.subjects["math"].id,
                            teacher_id=world.teachers["math"].id, assigned_on=TODAY,
                            due_on=TODAY + timedelta(days=2), description="Zadanie 5 str. 40"))
    db.session.add(Event(school_id=world.school.id, class_id=klass.id,
                         subject_id=world.subjects["math"].id,
                         teacher_id=world.teachers["math"].id, kind="test",
                         date=TODAY + timedelta(days=3), title="Sprawdzian: ułamki"))
    db.session.commit()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    assert "Zadanie 5" in gradebook_client.get("/family/homework").text
    assert "Sprawdzian · Matematyka: ułamki" in gradebook_client.get("/family/calendar").text
    # another class does not see them
    other = gradebook_app.test_client()
    sign_in(other, world.parent_accounts[world.pupils["1b"][0].id])
    assert "Zadanie 5" not in other.get("/family/homework").text
    assert "Sprawdzian" not in other.get("/family/calendar").text


def test_calendar_feeds(gradebook_app, gradebook_client, frozen):
    world = build_school()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    gradebook_client.get("/family/settings")
    assert gradebook_client.post("/feeds/reset", data={}).status_code == 303
    page = gradebook_client.get("/family/settings").text
    token = page.split("/feeds/")[1].split("/")[0]
    ics = gradebook_client.get(f"/feeds/{token}/timetable.ics")
    assert ics.status_code == 200 and ics.headers["Content-Type"].startswith("text/calendar")
    body = ics.data.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "SUMMARY:Matematyka (1a)" in body
    assert "DTSTART:20261005T060000Z" in body  # 8:00 in Warsaw (CEST) is 06:00 UTC
    assert gradebook_client.get(f"/feeds/{token}/terminarz.ics").status_code == 200
    gradebook_client.post("/feeds/reset", data={})
    assert gradebook_client.get(f"/feeds/{token}/timetable.ics").status_code == 404


def test_grades_pdf_has_polish_text(gradebook_app, gradebook_client, frozen):
    import io

    from pypdf import PdfReader

    world = build_school(lessons=True)
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    pdf = gradebook_client.get("/family/grades.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Zestawienie ocen" in text and "Język polski" in text and "Uczeń1 Klasa1a" in text
    assert "4+" in text  # the factory's grades
