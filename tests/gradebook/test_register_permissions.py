"""Every register view refuses other families', other classes' and other schools' data."""

from datetime import UTC, datetime

import pytest
import time_machine

from gradebook_service.extensions import db
from gradebook_service.lessons import services as lessons
from gradebook_service.school.models import StaffMember
from tests.gradebook.register_factories import TODAY, build_school, sign_in, staff_account


@pytest.fixture
def worlds(gradebook_app):
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        a = build_school("A", lessons=True)
        b = build_school("B")
        outsider = StaffMember(school_id=a.school.id, first_name="Obcy", last_name="Nauczyciel",
                               is_teacher=True)
        db.session.add(outsider)
        db.session.flush()
        a.staff_accounts["outsider"] = staff_account(a.school, outsider)
        pupil = a.pupils["1a"][0]
        lesson = lessons.open_lesson(a.staff_accounts["math"], a.classes["1a"].id,
                                     a.subjects["math"].id, TODAY, 1)
        lessons.save_lesson(a.staff_accounts["math"], a.school, lesson, "T", {pupil.id: "absent"})
        absences = [r.id for r, *_ in lessons.excusable_absences(a.school.id, pupil.id)]
        excuse = lessons.submit_excuse(a.parent_accounts[pupil.id], pupil, absences, "Choroba")
        db.session.commit()
        yield a, b, lesson, excuse


def _targets(a, lesson, excuse):
    klass, math, pupil = a.classes["1a"], a.subjects["math"], a.pupils["1a"][0]
    grid = f"/staff/classes/{klass.id}/subjects/{math.id}/grades"
    return {
        "grid": ("GET", grid, {}),
        "grid-post": ("POST", grid, {f"g-{pupil.id}-1": "5"}),
        "assessment": ("POST", grid.replace("/grades", "/assessments"), {"category_id": 1}),
        "lesson": ("GET", f"/staff/lessons/{lesson.id}", {}),
        "lesson-post": ("POST", f"/staff/lessons/{lesson.id}", {"topic": "x"}),
        "excuse": ("POST", f"/staff/excuses/{excuse.id}", {"decision": "accept"}),
        "history": ("GET", f"/staff/history?pupil={pupil.id}", {}),
        "remarks": ("GET", f"/staff/classes/{klass.id}/remarks", {}),
        "remarks-post": ("POST", f"/staff/classes/{klass.id}/remarks",
                         {"action": "remark", "pupil_id": pupil.id, "kind": "negative",
                          "text": "x"}),
    }


#: who → targets they must be refused (a teacher of polish in 1a may see the class's remarks
#: and history but not the maths grid, the maths lesson or the homeroom's excuses).
REFUSED = {
    "outsider": ["grid", "grid-post", "assessment", "lesson", "lesson-post", "excuse", "history",
                 "remarks", "remarks-post"],
    "polish": ["grid", "grid-post", "assessment", "lesson", "lesson-post", "excuse"],
    "other-school-admin": ["grid", "grid-post", "assessment", "lesson", "lesson-post", "excuse",
                           "history", "remarks", "remarks-post"],
    "parent": ["grid", "grid-post", "assessment", "lesson", "lesson-post", "excuse", "history",
               "remarks", "remarks-post"],
    "pupil": ["grid", "grid-post", "assessment", "lesson", "lesson-post", "excuse", "history",
              "remarks", "remarks-post"],
}


def _account(a, b, who):
    if who == "other-school-admin":
        return b.staff_accounts["admin"]
    if who == "parent":
        return a.parent_accounts[a.pupils["1b"][0].id]
    if who == "pupil":
        return a.pupil_accounts[a.pupils["1a"][1].id]
    return a.staff_accounts[who]


@pytest.mark.parametrize(("who", "target"), [(w, t) for w, ts in REFUSED.items() for t in ts])
def test_refused(gradebook_app, gradebook_client, worlds, who, target):
    a, b, lesson, excuse = worlds
    sign_in(gradebook_client, _account(a, b, who))
    gradebook_client.get("/")  # a page with a CSRF token, as a browser would have
    gradebook_client.get("/family/help")
    gradebook_client.get("/staff/")
    method, url, data = _targets(a, lesson, excuse)[target]
    response = (gradebook_client.get(url) if method == "GET"
                else gradebook_client.post(url, data=data))
    assert response.status_code in (403, 404), (who, target, response.status_code)


@pytest.mark.parametrize("url", ["/family/", "/family/grades", "/family/attendance",
                                 "/family/timetable", "/family/grades.pdf", "/staff/",
                                 "/staff/history", "/staff/excuses"])
def test_anonymous_is_sent_to_login(gradebook_app, gradebook_client, url):
    response = gradebook_client.get(url)
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ["/family/", "/family/grades", "/family/attendance",
                                 "/family/excuses/new", "/family/timetable", "/family/homework",
                                 "/family/calendar", "/family/announcements", "/family/remarks",
                                 "/family/pupil", "/family/organisation", "/family/grades.pdf"])
def test_staff_get_no_family_pages(gradebook_app, gradebook_client, worlds, url):
    a, *_ = worlds
    sign_in(gradebook_client, a.staff_accounts["admin"])
    assert gradebook_client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/staff/", "/staff/history", "/staff/excuses",
                                 "/staff/homework/new", "/staff/events/new",
                                 "/staff/announcements/new"])
def test_families_get_no_staff_pages(gradebook_app, gradebook_client, worlds, url):
    a, *_ = worlds
    sign_in(gradebook_client, a.parent_accounts[a.pupils["1a"][0].id])
    assert gradebook_client.get(url).status_code == 404


def test_a_family_sees_only_its_own_child(gradebook_app, gradebook_client, worlds):
    a, b, *_ = worlds
    other = a.pupils["1a"][1]
    sign_in(gradebook_client, a.parent_accounts[a.pupils["1b"][0].id])
    for url in ("/family/grades", "/family/attendance", "/family/remarks", "/family/pupil"):
        assert other.first_name + " " + other.last_name not in gradebook_client.get(url).text
    grades = gradebook_client.get("/family/grades").text
    assert "Kartkówka" not in grades  # 1a's quizzes are not 1b's


def test_history_without_pupil_lists_only_visible_pupils(gradebook_app, gradebook_client, worlds):
    a, b, *_ = worlds
    sign_in(gradebook_client, b.staff_accounts["admin"])
    page = gradebook_client.get("/staff/history?lang=en").text
    assert "Klasa1a" not in page


def test_forged_post_without_csrf_is_refused(gradebook_app, gradebook_client, worlds):
    a, b, lesson, excuse = worlds
    sign_in(gradebook_client, a.staff_accounts["math"])
    response = gradebook_client.post(f"/staff/lessons/{lesson.id}",
                                     data={"topic": "x", "csrf_token": ""})
    assert response.status_code == 400


def test_bad_feed_token(gradebook_app, gradebook_client):
    assert gradebook_client.get("/feeds/nope/timetable.ics").status_code == 404
    assert gradebook_client.get("/feeds/nope/terminarz.ics").status_code == 404


@pytest.mark.parametrize("target", REFUSED["outsider"])
def test_the_right_teacher_is_allowed(gradebook_app, gradebook_client, worlds, target):
    """Positive control: the maths teacher (homeroom of 1a) reaches every target above."""
    a, b, lesson, excuse = worlds
    sign_in(gradebook_client, a.staff_accounts["math"])
    gradebook_client.get("/staff/")
    method, url, data = _targets(a, lesson, excuse)[target]
    response = (gradebook_client.get(url) if method == "GET"
                else gradebook_client.post(url, data=data))
    assert response.status_code in (200, 303), (target, response.status_code)
