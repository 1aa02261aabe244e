"""The small defects seen in the pages, each held by a test (issue 12)."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from gradebook_service.calendar.models import Event
from gradebook_service.extensions import db
from gradebook_service.history.models import ChangeLogEntry
from gradebook_service.school.keys import find_by_id
from gradebook_service.timetable.models import TimetableChange
from tests.gradebook.register_factories import TODAY, build_school, sign_in


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield


def test_the_staff_home_tab_title_is_only_its_name(gradebook_app, gradebook_client, frozen):
    world = build_school()
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get("/staff/").text
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title == "Dziś · E-dziennik"
    assert page.count("Ogłoszenia</h2>") == 1  # once, in the page


def test_rooms_are_named_once_and_a_note_repeating_the_change_is_not_shown(
        gradebook_app, gradebook_client, frozen):
    world = build_school()
    klass = world.classes["1a"]
    db.session.add_all([
        TimetableChange(school_id=world.school.id, class_id=klass.id, date=TODAY, period_number=1,
                        kind="room_change", room="sala gimn.", note="Zmiana sali"),
        TimetableChange(school_id=world.school.id, class_id=klass.id, date=TODAY, period_number=2,
                        kind="room_change", room="7", note="Remont w sali 12"),
    ])
    db.session.commit()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    page = gradebook_client.get("/family/timetable").text
    assert "sala gimn." in page and "sala sala" not in page
    assert "sala 7" in page
    assert "(Zmiana sali)" not in page
    assert "(Remont w sali 12)" in page
    assert "sala 13" in page  # Monday's third lesson in room 13, unchanged


def test_a_test_titled_with_its_kind_is_not_prefixed_twice(gradebook_app, gradebook_client,
                                                           frozen):
    world = build_school()
    db.session.add(Event(school_id=world.school.id, class_id=world.classes["1a"].id,
                         subject_id=world.subjects["math"].id,
                         teacher_id=world.teachers["math"].id, kind="test", date=TODAY,
                         title="Sprawdzian: ułamki"))
    db.session.commit()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    for view in ("month", "week"):
        page = gradebook_client.get(f"/family/calendar?view={view}").text
        assert "Sprawdzian · Matematyka: ułamki" in page, view
        assert "Sprawdzian: Sprawdzian" not in page and ": Sprawdzian:" not in page, view


def test_the_change_log_shows_attendance_in_polish(gradebook_app, gradebook_client, frozen):
    world = build_school()
    pupil = world.pupils["1a"][0]
    db.session.add(ChangeLogEntry(school_id=world.school.id, entity="attendance", entity_id=1,
                                  pupil_id=pupil.id, action="update",
                                  old_value={"status": "present"}, new_value={"status": "absent"},
                                  changed_by_name="Anna Nowak",
                                  changed_at=datetime(2026, 10, 5, 9, 30, tzinfo=UTC)))
    db.session.commit()
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get("/staff/history").text
    assert ">obecność<" in page and ">nieobecność<" in page
    assert ">present<" not in page and ">absent<" not in page
    assert "5.10.2026, 11:30" in page  # 9:30 UTC is 11:30 in Warsaw (CEST)


def test_grade_grid_labels_for_screen_readers_are_polish(gradebook_app, gradebook_client, frozen):
    world = build_school(lessons=True)
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get(f"/staff/classes/{world.classes['1a'].id}/subjects/"
                                f"{world.subjects['math'].id}/grades").text
    labels = re.findall(r'aria-label="([^"]*)"', page)
    assert any(label.endswith(": Przewidywana (śródroczna)") for label in labels)
    assert not any(re.search(r"\b(term|year) (proposed|final)\b", label) for label in labels)


def test_first_login_does_not_say_the_letter_password_works_once(gradebook_app):
    from gradebook_service.accounts.models import SchoolAccount
    world = build_school()
    account = world.parent_accounts[world.pupils["1a"][0].id]
    account = find_by_id(SchoolAccount, account.id)
    account.must_change_password = True
    db.session.commit()
    client = gradebook_app.test_client()
    sign_in(client, account)
    page = client.get("/first-login").text
    assert "tylko raz" not in page
    assert "dopóki nie ustawisz własnego" in page


@pytest.mark.parametrize("url", ["/login", "/family/"])
def test_pages_name_an_icon_and_favicon_ico_leads_to_it(gradebook_app, gradebook_client, url):
    page = gradebook_client.get(url, follow_redirects=True).text
    assert re.search(r'<link rel="icon" href="/static/shared/favicon.svg"', page)
    ico = gradebook_client.get("/favicon.ico")
    assert ico.status_code == 301 and ico.headers["Location"].endswith("/static/shared/favicon.svg")
    icon = gradebook_client.get("/static/shared/favicon.svg")
    assert icon.status_code == 200 and icon.data.startswith(b"<svg")
    icon.close()


def test_idp_has_the_icon_too(idp_app, idp_client):
    assert 'rel="icon"' in idp_client.get("/login").text
    assert idp_client.get("/favicon.ico").status_code == 301
