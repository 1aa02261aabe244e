"""Pupils who move mid-year or leave the school, and the roster re-import's report (issue 14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from gradebook_service.core.models import AuditEvent
from gradebook_service.extensions import db
from gradebook_service.roster.enrolment import history
from gradebook_service.roster.services import import_roster
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import ClassGroup, ClassGroupMember, Pupil
from tests.gradebook.register_factories import sign_in
from tests.gradebook.test_register_query_counts import FAMILY
from tests.gradebook.year_factories import build_year_school

TODAY = date(2026, 12, 7)


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield


def _events(name: str) -> list[AuditEvent]:
    return list(db.session.execute(sa.select(AuditEvent).where(AuditEvent.event == name))
                .scalars())


def test_moved_pupil_keeps_both_classes_and_old_teachers_lose_access(
        gradebook_app, gradebook_client, frozen):
    world = build_year_school()
    pupil = world.pupils["1a"][0]
    old, new = world.classes["1a"], world.classes["1b"]
    group = ClassGroup(school_id=world.school.id, class_id=new.id, name="niemiecki gr. 1")
    db.session.add(group)
    db.session.commit()
    teacher = world.staff_accounts["only_4a"]
    sign_in(gradebook_client, teacher)
    assert gradebook_client.get(f"/staff/history?pupil={pupil.id}").status_code == 200
    sign_in(gradebook_client, world.staff_accounts["admin"])
    move_day = TODAY - timedelta(days=3)
    page = gradebook_client.get(f"/setup/pupils/{pupil.id}/move")
    assert page.status_code == 200
    response = gradebook_client.post(f"/setup/pupils/{pupil.id}/move", data={
        "class_id": new.id, "group_ids": [group.id], "on": move_day.isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    pupil = find_by_id(Pupil, pupil.id)
    assert pupil.class_id == new.id
    rows = history(world.school.id, pupil.id)
    assert [(e.class_id, e.starts_on, e.ends_on, e.reason) for e in rows] == [
        (old.id, old.school_year.starts_on, move_day - timedelta(days=1), "joined"),
        (new.id, move_day, None, "moved")]
    assert rows[1].group_ids == [group.id]
    assert db.session.execute(sa.select(ClassGroupMember.group_id).where(
        ClassGroupMember.pupil_id == pupil.id)).scalars().all() == [group.id]
    assert _events("pupil.moved")
    # The teacher of the old class only: the pupil is gone (404), as from the grade grid.
    sign_in(gradebook_client, teacher)
    assert gradebook_client.get(f"/staff/history?pupil={pupil.id}").status_code == 404
    grid = gradebook_client.get(
        f"/staff/classes/{old.id}/subjects/{world.subjects['history'].id}/grades")
    html = grid.get_data(as_text=True)
    assert grid.status_code == 200 and f'name="g-{world.pupils["1a"][1].id}-' in html
    assert f'name="g-{pupil.id}-' not in html
    # The family still sees the grades given in the old class.
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    grades = gradebook_client.get("/family/grades")
    assert grades.status_code == 200 and "Matematyka" in grades.get_data(as_text=True)


def test_move_refuses_future_dates_and_other_years_groups(gradebook_app, gradebook_client,
                                                          frozen):
    world = build_year_school()
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.staff_accounts["admin"])
    gradebook_client.get(f"/setup/pupils/{pupil.id}/move")
    response = gradebook_client.post(f"/setup/pupils/{pupil.id}/move", data={
        "class_id": world.classes["1b"].id, "on": (TODAY + timedelta(days=1)).isoformat()})
    assert response.status_code == 422
    assert "nie w przyszłości" in response.get_data(as_text=True)
    db.session.expire_all()
    assert find_by_id(Pupil, pupil.id).class_id == world.classes["1a"].id


def test_leaving_with_grace_period(gradebook_app, gradebook_client, frozen):
    world = build_year_school()
    world.school.leaving_grace_days = 10
    db.session.commit()
    pupil = world.pupils["1a"][1]
    sign_in(gradebook_client, world.staff_accounts["admin"])
    gradebook_client.get(f"/setup/pupils/{pupil.id}/leave")
    empty = gradebook_client.post(f"/setup/pupils/{pupil.id}/leave",
                                  data={"on": TODAY.isoformat(), "reason": ""})
    assert empty.status_code == 422 and "Podaj powód" in empty.get_data(as_text=True)
    done = gradebook_client.post(f"/setup/pupils/{pupil.id}/leave", data={
        "on": TODAY.isoformat(), "reason": "przeniesiony do SP 7"})
    assert done.status_code == 302
    db.session.expire_all()
    pupil = find_by_id(Pupil, pupil.id)
    assert (pupil.class_id, pupil.left_on, pupil.family_access_until) == (
        None, TODAY, TODAY + timedelta(days=10))
    assert _events("pupil.left")
    # Off the current class lists at once.
    sign_in(gradebook_client, world.staff_accounts["math"])
    grid = gradebook_client.get(f"/staff/classes/{world.classes['1a'].id}/subjects/"
                                f"{world.subjects['math'].id}/grades").get_data(as_text=True)
    assert f'name="g-{pupil.id}-' not in grid and f'name="g-{world.pupils["1a"][0].id}-' in grid
    # The family reads during the grace period, records kept …
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    for url in FAMILY:
        assert gradebook_client.get(url).status_code == 200, url
    db.session.expire_all()
    assert find_by_id(Pupil, pupil.id).class_id is None  # reading wrote nothing back
    # … and not after it.
    with time_machine.travel(datetime(2026, 12, 18, 9, 0, tzinfo=UTC)):
        sign_in(gradebook_client, world.parent_accounts[pupil.id])
        assert gradebook_client.get("/family/grades").status_code == 404


def test_roster_reimport_reports_missing_pupils(gradebook_app):
    world = build_year_school()
    kept = world.pupils["1a"][0]
    csv = ("class,pupil_first_name,pupil_last_name,pupil_birth_date,guardian_first_name,"
           "guardian_last_name,guardian_email\n"
           f"4a,{kept.first_name},{kept.last_name},{kept.birth_date.isoformat()},Rodzic1,"
           "Klasa1a,\n")
    result = import_roster(world.school.id, csv, actor="test")
    missing = [(m.number, m.pupil_id) for m in result.missing]
    others = [p.id for p in world.pupils["1a"][1:]] + [p.id for p in world.pupils["1b"]]
    assert sorted(p for _n, p in missing) == sorted(others)
    assert [n for n, _p in missing] == list(range(1, len(others) + 1))
    db.session.expire_all()
    assert all(find_by_id(Pupil, p).class_id is not None for p in others)  # kept


def test_roster_reimport_report_on_the_cli_and_web(gradebook_app, gradebook_client, tmp_path):
    world = build_year_school()
    kept = world.pupils["1b"][0]
    path = tmp_path / "roster.csv"
    path.write_text("class,pupil_first_name,pupil_last_name,pupil_birth_date,"
                    "guardian_first_name,guardian_last_name,guardian_email\n"
                    f"8b,{kept.first_name},{kept.last_name},{kept.birth_date.isoformat()},"
                    "Rodzic1,Klasa1b,\n", encoding="utf-8")
    result = gradebook_app.test_cli_runner().invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "5 pupil(s) of the school are not in the file" in result.output
    assert f"  1: {world.pupils['1a'][0].full_name} (4a" in result.output
    sign_in(gradebook_client, world.staff_accounts["admin"])
    gradebook_client.get("/admin/roster")
    page = gradebook_client.post("/admin/roster", data={
        "file": (path.open("rb"), "roster.csv")}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and world.pupils["1a"][0].last_name in html
    assert f"/setup/pupils/{world.pupils['1a'][0].id}/leave" in html


NEW_PAGES = ["/setup/pupils", "/setup/pupils/{pupil}/move", "/setup/pupils/{pupil}/leave",
             "/setup/rollover"]


@pytest.mark.parametrize("who,expected", [("admin", 200), ("math", 403), ("parent", 403),
                                          ("pupil", 403), ("other_admin", 404)])
def test_permission_matrix_of_the_new_setup_pages(gradebook_app, gradebook_client, frozen,
                                                  who, expected):
    world = build_year_school()
    other = build_year_school(name="SP 9") if who == "other_admin" else None
    pupil = world.pupils["1a"][0]
    account = {"admin": world.staff_accounts["admin"], "math": world.staff_accounts["math"],
               "parent": world.parent_accounts[pupil.id],
               "pupil": world.pupil_accounts[pupil.id],
               "other_admin": other.staff_accounts["admin"] if other else None}[who]
    sign_in(gradebook_client, account)
    for page in NEW_PAGES:
        url = page.format(pupil=pupil.id)
        status = gradebook_client.get(url).status_code
        # Another school's admin may open their own lists, never this school's pupil.
        want = 200 if who == "other_admin" and "{pupil}" not in page else expected
        assert status == want, (url, status)
        if "{pupil}" in page:
            assert gradebook_client.post(url, data={}).status_code in (want, 422 if want == 200
                                                                       else want), url
    db.session.expire_all()
    assert find_by_id(Pupil, pupil.id).class_id == world.classes["1a"].id


def test_the_school_sets_the_grace_and_retention_periods(gradebook_app, gradebook_client):
    world = build_year_school()
    sign_in(gradebook_client, world.staff_accounts["admin"])
    page = gradebook_client.get("/setup/pupils")
    assert page.status_code == 200 and 'value="30"' in page.get_data(as_text=True)
    bad = gradebook_client.post("/setup/pupils/retention", data={
        "leaving_grace_days": "-3", "graduate_retention_days": "dużo"})
    assert bad.status_code == 422
    assert bad.get_data(as_text=True).count("Liczba całkowita dni od 0 do 3650.") == 2
    good = gradebook_client.post("/setup/pupils/retention", data={
        "leaving_grace_days": "14", "graduate_retention_days": "730"})
    assert good.status_code == 302
    db.session.expire_all()
    school = db.session.get(type(world.school), world.school.id)
    assert (school.leaving_grace_days, school.graduate_retention_days) == (14, 730)
