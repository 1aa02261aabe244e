"""Editing and deleting what staff give (issue 14): homework, tests and events,
announcements, remarks and grade columns — by their author and the administrator only,
each change in the change log, families seeing "zmieniono …" and no longer seeing what
was deleted (nor counting it in their badges)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from gradebook_service.announcements.models import Announcement, AnnouncementRead
from gradebook_service.calendar.models import Event
from gradebook_service.extensions import db
from gradebook_service.grades.models import Assessment, Grade
from gradebook_service.history.models import ChangeLogEntry
from gradebook_service.homework.models import Homework
from gradebook_service.notifications.models import RESCHEDULED, Notification
from gradebook_service.remarks.models import Remark
from gradebook_service.school.keys import find_by_id
from tests.gradebook.register_factories import TODAY, build_school, sign_in


@pytest.fixture
def clock():
    # 9:00 UTC is 11:00 in Warsaw on 5 October (summer time).
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC),
                             tick=False) as traveller:
        yield traveller


def give_entries(world) -> dict:
    """One entry of every kind by the maths teacher for class 1a (and the first pupil)."""
    school, klass = world.school, world.classes["1a"]
    math, teacher = world.subjects["math"], world.teachers["math"]
    homework = Homework(school_id=school.id, class_id=klass.id, subject_id=math.id,
                        teacher_id=teacher.id, assigned_on=TODAY,
                        due_on=TODAY + timedelta(days=2), description="Zadania 1–5 ze str. 40")
    event = Event(school_id=school.id, class_id=klass.id, subject_id=math.id,
                  teacher_id=teacher.id, kind="test", date=TODAY + timedelta(days=3),
                  title="Ułamki zwykłe")
    announcement = Announcement(school_id=school.id, audience="class", class_id=klass.id,
                                author_id=teacher.id, title="Wycieczka do muzeum",
                                body="Zbiórka o 8:00.", valid_from=TODAY,
                                valid_until=TODAY + timedelta(days=5))
    remark = Remark(school_id=school.id, pupil_id=world.pupils["1a"][0].id,
                    teacher_id=teacher.id, date=TODAY, kind="positive", category="Inne",
                    text="Pomoc koledze przy zadaniu")
    db.session.add_all([homework, event, announcement, remark])
    db.session.flush()
    column = Assessment(school_id=school.id, class_id=klass.id, subject_id=math.id,
                        term_id=world.term1.id, teacher_id=teacher.id,
                        category_id=world.categories["Kartkówka"].id, weight=3, date=TODAY,
                        description="Kartkówka z dodawania")
    db.session.add(column)
    db.session.flush()
    for pupil, value in zip(world.pupils["1a"], ("5", "4+", "3"), strict=True):
        db.session.add(Grade(school_id=school.id, assessment_id=column.id, pupil_id=pupil.id,
                             subject_id=math.id, term_id=world.term1.id, value=value,
                             teacher_id=teacher.id))
    db.session.commit()
    return {"homework": homework.id, "event": event.id, "announcement": announcement.id,
            "remark": remark.id, "assessment": column.id}


#: kind → (edit URL, delete URL, a valid edit form, what the family page shows, family page)
def edit_url(kind: str, entry_id: int) -> str:
    prefix = {"homework": "homework", "event": "events", "announcement": "announcements",
              "remark": "remarks", "assessment": "assessments"}[kind]
    return f"/staff/{prefix}/{entry_id}/edit"


def delete_url(kind: str, entry_id: int) -> str:
    return edit_url(kind, entry_id).replace("/edit", "/delete")


def edit_form(world, kind: str) -> dict:
    later = (TODAY + timedelta(days=4)).isoformat()
    return {"homework": {"due_on": later, "description": "Zadania 1–8 ze str. 41"},
            "event": {"kind": "test", "date": later, "title": "Ułamki zwykłe (przeniesiony)",
                      "description": ""},
            "announcement": {"audience": "class", "class_id": str(world.classes["1a"].id),
                             "title": "Wycieczka do muzeum — nowa godzina",
                             "body": "Zbiórka o 8:30.", "valid_from": TODAY.isoformat(),
                             "valid_until": later},
            "remark": {"kind": "positive", "category": "Inne",
                       "text": "Pomoc dwóm kolegom przy zadaniu"},
            "assessment": {"category_id": str(world.categories["Kartkówka"].id), "weight": "4",
                           "date": TODAY.isoformat(), "description": "Kartkówka z odejmowania"},
            }[kind]


FAMILY = {"homework": ("/family/homework", "Zadania 1–8 ze str. 41", "Zadania 1–5 ze str. 40"),
          "event": ("/family/calendar", "przeniesiony", "Ułamki zwykłe"),
          "announcement": ("/family/announcements", "nowa godzina", "Wycieczka do muzeum"),
          "remark": ("/family/remarks", "Pomoc dwóm kolegom", "Pomoc koledze")}
MODELS = {"homework": Homework, "event": Event, "announcement": Announcement, "remark": Remark,
          "assessment": Assessment}


def log(kind: str, entry_id: int) -> list[tuple[str, dict | None, dict | None]]:
    return [(e.action, e.old_value, e.new_value) for e in db.session.execute(
        sa.select(ChangeLogEntry).where(ChangeLogEntry.entity == kind,
                                        ChangeLogEntry.entity_id == entry_id)
        .order_by(ChangeLogEntry.id)).scalars()]


@pytest.mark.parametrize("kind", ["homework", "event", "announcement", "remark"])
def test_an_edit_is_logged_and_families_see_it_changed(gradebook_app, gradebook_client, clock,
                                                       kind):
    world = build_school()
    ids = give_entries(world)
    parent = world.parent_accounts[world.pupils["1a"][0].id]
    page, new_text, old_text = FAMILY[kind]
    sign_in(gradebook_client, parent)
    before = gradebook_client.get(page).text
    assert old_text in before and "zmieniono" not in before

    clock.shift(timedelta(hours=3, minutes=5))  # 14:05 in Warsaw
    sign_in(gradebook_client, world.staff_accounts["math"])
    assert gradebook_client.get(edit_url(kind, ids[kind])).status_code == 200
    response = gradebook_client.post(edit_url(kind, ids[kind]), data=edit_form(world, kind))
    assert response.status_code == 303, response.text
    assert response.headers["Location"].endswith(f"/staff/entries?kind={kind}")

    [(action, old, new)] = log(kind, ids[kind])[-1:]
    assert action == "update" and old["text"] != new["text"]
    history = gradebook_client.get("/staff/history").text
    assert new_text in history and old_text in history  # before and after, in the change log

    sign_in(gradebook_client, parent)
    after = gradebook_client.get(page).text
    assert new_text in after
    assert "zmieniono 5.10.2026, 14:05" in after


def new_form(world, kind: str) -> tuple[str, dict]:
    """The staff form that gives a new entry of ``kind`` to class 1a, and its fields."""
    target = f"{world.classes['1a'].id}:{world.subjects['math'].id}"
    soon = (TODAY + timedelta(days=2)).isoformat()
    return {"homework": ("/staff/homework/new", {"target": target, "due_on": soon,
                                                 "description": "Zadania 1–5 ze str. 40"}),
            "event": ("/staff/events/new", {"target": target, "kind": "test", "date": soon,
                                            "title": "Ułamki zwykłe", "description": ""}),
            "announcement": ("/staff/announcements/new", {
                "audience": "class", "class_id": str(world.classes["1a"].id),
                "title": "Wycieczka do muzeum", "body": "Zbiórka o 8:00.",
                "valid_from": TODAY.isoformat(), "valid_until": soon}),
            }[kind]


@pytest.mark.parametrize("kind", ["homework", "event", "announcement"])
def test_the_change_log_holds_an_entrys_whole_life(gradebook_app, gradebook_client, clock, kind):
    world = build_school()
    sign_in(gradebook_client, world.staff_accounts["math"])
    url, form = new_form(world, kind)
    gradebook_client.get(url)
    assert gradebook_client.post(url, data=form).status_code == 303
    entry_id = db.session.execute(sa.select(sa.func.max(MODELS[kind].id))).scalar_one()
    [(action, old, new)] = log(kind, entry_id)
    assert action == "create" and old is None and new["text"] == FAMILY[kind][2]
    assert gradebook_client.post(edit_url(kind, entry_id),
                                 data=edit_form(world, kind)).status_code == 303
    assert gradebook_client.post(delete_url(kind, entry_id), data={}).status_code == 303
    assert [action for action, _old, _new in log(kind, entry_id)] == ["create", "update",
                                                                      "delete"]
    history = gradebook_client.get(f"/staff/history?entity={kind}").text
    assert history.count(" dodano</td>") == 1 and history.count(" zmieniono</td>") == 1
    assert history.count(" usunięto</td>") == 1


@pytest.mark.parametrize("kind", ["homework", "event", "announcement", "remark"])
def test_a_deletion_is_logged_and_the_entry_leaves_the_family_pages(gradebook_app,
                                                                    gradebook_client, clock,
                                                                    kind):
    world = build_school()
    ids = give_entries(world)
    parent = world.parent_accounts[world.pupils["1a"][0].id]
    page, _new, old_text = FAMILY[kind]
    sign_in(gradebook_client, parent)
    home = gradebook_client.get("/family/").text
    assert old_text in gradebook_client.get(page).text
    sign_in(gradebook_client, world.staff_accounts["math"])
    gradebook_client.get("/staff/entries?kind=" + kind)
    response = gradebook_client.post(delete_url(kind, ids[kind]), data={})
    assert response.status_code == 303
    assert find_by_id(MODELS[kind], ids[kind]) is None
    [(action, old, new)] = log(kind, ids[kind])[-1:]
    assert action == "delete" and new is None and old["text"]
    if kind in ("homework", "event"):
        # the class's families are told it is withdrawn (3 pupils and their parents)
        told = db.session.execute(sa.select(Notification.params).where(
            Notification.kind == RESCHEDULED)).scalars().all()
        assert len(told) == 6 and all("date" not in params for params in told)

    sign_in(gradebook_client, parent)
    assert old_text not in gradebook_client.get(page).text
    after_home = gradebook_client.get("/family/").text
    if kind in ("homework", "event", "announcement"):
        # the home page's counter no longer counts it
        path = page
        def count(text):
            found = re.search(rf'href="{re.escape(path)}">[^<]*</a>: (\d+)', text)
            return int(found.group(1)) if found else 0
        assert count(after_home) == count(home) - 1


def test_a_deleted_announcement_takes_its_read_receipts(gradebook_app, gradebook_client, clock):
    world = build_school()
    ids = give_entries(world)
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    gradebook_client.get("/family/announcements")
    assert db.session.execute(sa.select(sa.func.count()).select_from(AnnouncementRead)).scalar() == 1
    sign_in(gradebook_client, world.staff_accounts["math"])
    gradebook_client.get("/staff/entries")
    assert gradebook_client.post(delete_url("announcement", ids["announcement"]),
                                 data={}).status_code == 303
    assert db.session.execute(sa.select(sa.func.count()).select_from(AnnouncementRead)).scalar() == 0


def test_the_change_log_shows_entry_changes_to_their_class_teachers_and_the_admin(
        gradebook_app, gradebook_client, clock):
    world = build_school()
    ids = give_entries(world)
    everyone = Announcement(school_id=world.school.id, audience="everyone",
                            author_id=world.teachers["history"].id, title="Dzień otwarty szkoły",
                            body="Zapraszamy.", valid_from=TODAY, valid_until=TODAY)
    db.session.add(everyone)
    db.session.commit()
    sign_in(gradebook_client, world.staff_accounts["math"])
    gradebook_client.get("/staff/")
    gradebook_client.post(delete_url("homework", ids["homework"]), data={})
    sign_in(gradebook_client, world.staff_accounts["history"])
    gradebook_client.get("/staff/")
    gradebook_client.post(delete_url("announcement", everyone.id), data={})
    # the history teacher teaches 1a: sees the homework deletion there, and their own
    history = gradebook_client.get("/staff/history").text
    assert "Zadania 1–5 ze str. 40" in history and "Dzień otwarty szkoły" in history
    # the admin sees both; the other school's admin neither
    sign_in(gradebook_client, world.staff_accounts["admin"])
    history = gradebook_client.get("/staff/history").text
    assert "Zadania 1–5 ze str. 40" in history and "Dzień otwarty szkoły" in history
    other = build_school("SP 7")
    sign_in(gradebook_client, other.staff_accounts["admin"])
    history = gradebook_client.get("/staff/history").text
    assert "Zadania 1–5" not in history and "Dzień otwarty" not in history


def test_an_edit_with_errors_is_shown_again_in_polish(gradebook_app, gradebook_client, clock):
    world = build_school()
    ids = give_entries(world)
    sign_in(gradebook_client, world.staff_accounts["math"])
    gradebook_client.get(edit_url("homework", ids["homework"]))
    response = gradebook_client.post(edit_url("homework", ids["homework"]),
                                     data={"due_on": TODAY.isoformat(), "description": " "})
    assert response.status_code == 422
    assert 'role="alert" id="hw-error">Opisz zadanie domowe.<' in response.text
    assert 'name="csrf_token"' in response.text and '<label for="description">' in response.text
    assert find_by_id(Homework, ids["homework"]).description == "Zadania 1–5 ze str. 40"
    # a post without the CSRF token is refused
    gradebook_client.last_csrf_token = None
    assert gradebook_client.post(edit_url("homework", ids["homework"]), data={
        "due_on": TODAY.isoformat(), "description": "x"}).status_code == 400


def test_deleting_a_column_with_grades_asks_and_says_how_many(gradebook_app, gradebook_client,
                                                              clock):
    world = build_school()
    ids = give_entries(world)
    column_id = ids["assessment"]
    sign_in(gradebook_client, world.staff_accounts["math"])
    grid = gradebook_client.get(
        f"/staff/classes/{world.classes['1a'].id}/subjects/{world.subjects['math'].id}/grades")
    assert f"/staff/assessments/{column_id}/edit" in grid.text
    page = gradebook_client.get(delete_url("assessment", column_id))
    assert page.status_code == 200
    assert "Ocen w kolumnie: 3" in page.text
    # without the confirmation nothing goes
    refused = gradebook_client.post(delete_url("assessment", column_id), data={"grades": "3"})
    assert refused.status_code == 422
    assert find_by_id(Assessment, column_id) is not None
    # a grade entered meanwhile: the teacher confirmed 3, there are 4 now → asked again
    extra = world.pupils["1a"][0]
    db.session.execute(sa.delete(Grade).where(Grade.assessment_id == column_id,
                                              Grade.pupil_id == extra.id))
    db.session.commit()
    stale = gradebook_client.post(delete_url("assessment", column_id),
                                  data={"grades": "3", "confirm": "1"})
    assert stale.status_code == 422 and "Potwierdź ponownie" in stale.text
    done = gradebook_client.post(delete_url("assessment", column_id),
                                 data={"grades": "2", "confirm": "1"})
    assert done.status_code == 303
    assert find_by_id(Assessment, column_id) is None
    assert db.session.execute(sa.select(sa.func.count()).select_from(Grade).where(
        Grade.assessment_id == column_id)).scalar() == 0
    [(action, old, _new)] = log("assessment", column_id)
    assert action == "delete" and old["grades"] == 2 and old["text"] == "Kartkówka z dodawania"
    grade_deletions = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == "grade", ChangeLogEntry.action == "delete")).scalars().all()
    assert len(grade_deletions) == 2 and all(e.pupil_id for e in grade_deletions)
    # the family no longer sees those grades
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][1].id])
    assert "Kartkówka z dodawania" not in gradebook_client.get("/family/grades").text


def test_editing_a_column_changes_the_weight_families_see(gradebook_app, gradebook_client, clock):
    world = build_school()
    ids = give_entries(world)
    parent = world.parent_accounts[world.pupils["1a"][0].id]
    sign_in(gradebook_client, parent)
    assert "Kartkówka z dodawania" in gradebook_client.get("/family/grades").text  # now cached
    sign_in(gradebook_client, world.staff_accounts["math"])
    gradebook_client.get(edit_url("assessment", ids["assessment"]))
    response = gradebook_client.post(edit_url("assessment", ids["assessment"]),
                                     data=edit_form(world, "assessment"))
    assert response.status_code == 303
    [(action, old, new)] = log("assessment", ids["assessment"])
    assert action == "update" and (old["weight"], new["weight"]) == (3, 4)
    sign_in(gradebook_client, parent)
    page = gradebook_client.get("/family/grades").text
    assert "Kartkówka z odejmowania" in page and "Kartkówka z dodawania" not in page
    assert "zmieniono 5.10.2026, 11:00" in page


def test_a_lesson_topic_is_logged_when_corrected_and_families_read_it(gradebook_app,
                                                                      gradebook_client, clock):
    world = build_school()
    klass, math = world.classes["1a"], world.subjects["math"]
    sign_in(gradebook_client, world.staff_accounts["math"])
    gradebook_client.get("/staff/")
    opened = gradebook_client.post("/staff/lessons/open", data={
        "class_id": klass.id, "subject_id": math.id, "date": TODAY.isoformat(), "period": 1})
    lesson_url = opened.headers["Location"]
    gradebook_client.get(lesson_url)
    assert gradebook_client.post(lesson_url, data={"topic": "Ułamki zwykłe"}).status_code == 303
    gradebook_client.get(lesson_url)
    assert gradebook_client.post(lesson_url, data={"topic": "Ułamki dziesiętne"}).status_code == 303
    lesson_id = int(lesson_url.rstrip("/").rsplit("/", 1)[1])
    assert log("lesson", lesson_id) == [("update", {"text": "Ułamki zwykłe"},
                                         {"text": "Ułamki dziesiętne"})]
    # the week plan shows the held lesson's topic
    assert "Temat: Ułamki dziesiętne" in gradebook_client.get("/staff/week").text
    # another teacher cannot open the lesson to change it
    sign_in(gradebook_client, world.staff_accounts["polish"])
    assert gradebook_client.get(lesson_url).status_code == 404
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    page = gradebook_client.get("/family/attendance").text
    assert "Temat: Ułamki dziesiętne" in page


def test_my_entries_lists_what_i_gave_only_and_pages(gradebook_app, gradebook_client, clock):
    world = build_school()
    give_entries(world)
    for i in range(30):
        db.session.add(Homework(school_id=world.school.id, class_id=world.classes["1b"].id,
                                subject_id=world.subjects["math"].id,
                                teacher_id=world.teachers["math"].id, assigned_on=TODAY,
                                due_on=TODAY + timedelta(days=1), description=f"Ćwiczenie {i:02d}"))
    db.session.add(Homework(school_id=world.school.id, class_id=world.classes["1a"].id,
                            subject_id=world.subjects["polish"].id,
                            teacher_id=world.teachers["polish"].id, assigned_on=TODAY,
                            due_on=TODAY + timedelta(days=1), description="Wypracowanie"))
    db.session.commit()
    sign_in(gradebook_client, world.staff_accounts["math"])
    first = gradebook_client.get("/staff/entries").text
    assert "Moje wpisy" in first and "(31)" in first
    assert "Ćwiczenie 29" in first and "Wypracowanie" not in first
    assert "Zadania 1–5" not in first  # the oldest is on page 2 (25 a page)
    second = gradebook_client.get("/staff/entries?kind=homework&page=2").text
    assert "Zadania 1–5" in second and "Ćwiczenie 29" not in second
    for kind, text in (("event", "Ułamki zwykłe"), ("announcement", "Wycieczka"),
                       ("remark", "Pomoc koledze"), ("assessment", "Kartkówka z dodawania")):
        page = gradebook_client.get(f"/staff/entries?kind={kind}").text
        assert text in page, kind
        assert "/edit" in page


def test_read_receipts_show_who_has_read_the_announcement(gradebook_app, gradebook_client, clock):
    world = build_school()
    ids = give_entries(world)
    reader = world.pupils["1a"][0]
    sign_in(gradebook_client, world.parent_accounts[reader.id])
    gradebook_client.get("/family/announcements")
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get(f"/staff/announcements/{ids['announcement']}/reads").text
    # class 1a: 3 pupils and 3 parents; one parent has read it
    assert "Odczytało 1 z 6." in page
    assert page.count("nie przeczytano") == 5
    assert "Rodzic1 Klasa1a" in page and "5.10.2026, 11:00" in page
    assert "Uczeń1b" not in page  # another class is not the audience


# --- the permission matrix --------------------------------------------------------------

def actors(world, other_world) -> dict:
    pupil = world.pupils["1a"][0]
    return {"other teacher": world.staff_accounts["polish"],
            "parent": world.parent_accounts[pupil.id],
            "pupil": world.pupil_accounts[pupil.id],
            "another school's admin": other_world.staff_accounts["admin"]}


KINDS = ["homework", "event", "announcement", "remark", "assessment"]


@pytest.mark.parametrize("kind", KINDS)
def test_only_the_author_and_the_admin_may_edit_or_delete(gradebook_app, gradebook_client,
                                                          clock, kind):
    world = build_school()
    other_world = build_school("SP 7")
    ids = give_entries(world)
    entry_id = ids[kind]
    pages = [edit_url(kind, entry_id)]
    if kind == "announcement":
        pages.append(f"/staff/announcements/{entry_id}/reads")
    if kind == "assessment":
        pages.append(delete_url(kind, entry_id))
    for name, account in actors(world, other_world).items():
        sign_in(gradebook_client, account)
        gradebook_client.get("/staff/" if account.role == "staff" else "/family/")
        for url in pages:
            assert gradebook_client.get(url).status_code == 404, (name, url)
        assert gradebook_client.post(edit_url(kind, entry_id),
                                     data=edit_form(world, kind)).status_code == 404, name
        assert gradebook_client.post(delete_url(kind, entry_id), data={
            "grades": "3", "confirm": "1"}).status_code == 404, name
        assert find_by_id(MODELS[kind], entry_id) is not None
    assert not log(kind, entry_id)
    # anonymous: the sign-in page
    with gradebook_app.test_client() as anonymous:
        for url in pages:
            assert anonymous.get(url).status_code == 302
    # the administrator may
    sign_in(gradebook_client, world.staff_accounts["admin"])
    for url in pages:
        assert gradebook_client.get(url).status_code == 200, url
    assert gradebook_client.post(edit_url(kind, entry_id),
                                 data=edit_form(world, kind)).status_code == 303
    assert log(kind, entry_id)[-1][0] == "update"
    # and the author
    sign_in(gradebook_client, world.staff_accounts["math"])
    for url in pages:
        assert gradebook_client.get(url).status_code == 200, url
    assert gradebook_client.post(delete_url(kind, entry_id), data={
        "grades": "3", "confirm": "1"}).status_code == 303
    assert find_by_id(MODELS[kind], entry_id) is None


@pytest.mark.parametrize("url", ["/staff/entries", "/staff/entries?kind=remark", "/staff/week"])
def test_new_staff_pages_are_for_staff_only(gradebook_app, gradebook_client, clock, url):
    world = build_school()
    other_world = build_school("SP 7")
    for name in ("math", "admin"):
        sign_in(gradebook_client, world.staff_accounts[name])
        assert gradebook_client.get(url).status_code == 200
    sign_in(gradebook_client, other_world.staff_accounts["admin"])
    assert gradebook_client.get(url).status_code == 200
    for name, account in actors(world, other_world).items():
        if account.role != "staff":
            sign_in(gradebook_client, account)
            assert gradebook_client.get(url).status_code == 404, name
    with gradebook_app.test_client() as anonymous:
        assert anonymous.get(url).status_code == 302


def test_my_entries_never_shows_another_schools_entries(gradebook_app, gradebook_client, clock):
    world = build_school()
    give_entries(world)
    other_world = build_school("SP 7")
    sign_in(gradebook_client, other_world.staff_accounts["math"])
    for kind in KINDS:
        page = gradebook_client.get(f"/staff/entries?kind={kind}").text
        assert "Nic tu jeszcze nie ma." in page, kind
