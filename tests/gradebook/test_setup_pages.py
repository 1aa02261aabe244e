"""The administrator's setup pages: forms with Polish errors, history, scoping, permissions."""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.history.models import ChangeLogEntry
from gradebook_service.school.classes import save_group
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import (
    ClassGroupMember,
    FreeDay,
    School,
    SchoolClass,
    StaffMember,
    Subject,
    TeachingAssignment,
)
from gradebook_service.school.year_setup import create_school
from tests.gradebook import accounts_factories as f


@dataclass
class World:
    school: School
    admin: SchoolAccount
    teacher: SchoolAccount
    klass: SchoolClass
    subject: Subject
    other: dict


def _school(name: str) -> tuple[School, SchoolAccount, SchoolAccount, SchoolClass, Subject]:
    school, year = create_school(name, "SP", year_name="2026/2027")
    admin = f.make_staff(school, admin=True, teacher=False)
    teacher = f.make_staff(school)
    klass = f.make_class(school, "1a", homeroom=teacher.staff)
    f.make_family(klass, first="Łucja", last="Nowak")
    f.teach(teacher, klass)
    subject = db.session.execute(sa.select(Subject).where(Subject.school_id == school.id)
                                 ).scalar_one()
    return school, admin, teacher, klass, subject


def _ids(school: School, klass: SchoolClass, subject: Subject, teacher: SchoolAccount) -> dict:
    group, _old = save_group(klass, "etyka", set())
    free = db.session.execute(sa.select(FreeDay).where(FreeDay.school_id == school.id)
                              ).scalars().first()
    assignment = db.session.execute(sa.select(TeachingAssignment).where(
        TeachingAssignment.school_id == school.id)).scalar_one()
    year = f.current_year(school)
    return {"class": klass.id, "group": group.id, "subject": subject.id, "free": free.id,
            "assignment": assignment.id, "staff": teacher.staff_id, "year": year.id}


@pytest.fixture
def world(gradebook_app):
    school, admin, teacher, klass, subject = _school("Szkoła Podstawowa nr 9 w Rybniku")
    other_school, _a, other_teacher, other_class, other_subject = _school("SP 2 w Tychach")
    other = _ids(other_school, other_class, other_subject, other_teacher)
    f.commit()
    return World(school, admin, teacher, klass, subject, other)


PAGES = ["/setup/", "/setup/school", "/setup/years", "/setup/free-days", "/setup/classes",
         "/setup/subjects", "/setup/staff", "/setup/assignments"]

#: Pages and actions about one row: {key} is filled in with the other school's row id.
ROW_URLS = [
    ("GET", "/setup/classes/{class}"), ("POST", "/setup/classes/{class}"),
    ("POST", "/setup/classes/{class}/renumber"), ("GET", "/setup/classes/{class}/groups/new"),
    ("GET", "/setup/classes/{class}/groups/{group}"),
    ("POST", "/setup/classes/{class}/groups/{group}"),
    ("GET", "/setup/subjects/{subject}"), ("POST", "/setup/subjects/{subject}"),
    ("POST", "/setup/free-days/{free}/delete"), ("POST", "/setup/assignments/{assignment}/delete"),
    ("POST", "/setup/staff/{staff}/roles"), ("POST", "/setup/staff/{staff}/deactivate"),
    ("POST", "/setup/staff/{staff}/reactivate"), ("POST", "/setup/years/{year}/dates"),
    ("POST", "/setup/years/{year}/current"),
]


def test_every_setup_page_opens_for_the_administrator(world, gradebook_client):
    f.sign_in(gradebook_client, world.admin)
    for url in PAGES + [f"/setup/classes/{world.klass.id}",
                        f"/setup/classes/{world.klass.id}/groups/new",
                        f"/setup/subjects/{world.subject.id}"]:
        response = gradebook_client.get(url)
        assert response.status_code == 200, url
        assert 'name="csrf_token"' in response.text or url == "/setup/", url


@pytest.mark.parametrize("role", ["teacher", "secretary"])
def test_non_administrators_are_refused(world, gradebook_client, role):
    account = world.teacher if role == "teacher" else f.make_staff(
        world.school, secretary=True, teacher=False)
    f.commit()
    f.sign_in(gradebook_client, account)
    gradebook_client.get("/staff/")
    for url in PAGES:
        assert gradebook_client.get(url).status_code in (403, 404), url
    for method, url in ROW_URLS:
        url = url.format(**{k: 1 for k in world.other} | {"class": world.klass.id,
                                                           "subject": world.subject.id})
        assert gradebook_client.open(url, method=method, data={}).status_code in (403, 404)
    assert db.session.execute(sa.select(sa.func.count()).select_from(ChangeLogEntry)
                              ).scalar_one() == 0


def test_a_family_account_and_anonymous_visitors_are_refused(world, gradebook_client):
    for url in PAGES:
        assert gradebook_client.get(url).status_code == 302  # to the login page
    pupil = world.klass.pupils[0]
    parent = f.parent_accounts(pupil)[0]
    f.make_ready(parent)
    f.commit()
    f.sign_in(gradebook_client, parent)
    for url in PAGES:
        assert gradebook_client.get(url).status_code in (403, 404), url


@pytest.mark.parametrize(("method", "url"), ROW_URLS)
def test_other_schools_rows_are_404(world, gradebook_client, method, url):
    f.sign_in(gradebook_client, world.admin)
    gradebook_client.get("/setup/")
    before = db.session.execute(sa.select(sa.func.count()).select_from(ChangeLogEntry)
                                ).scalar_one()
    response = gradebook_client.open(url.format(**world.other), method=method,
                                     data={"name": "zmiana", "short_name": "z"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count()).select_from(ChangeLogEntry)
                              ).scalar_one() == before


def _history(entity: str) -> list[ChangeLogEntry]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == entity).order_by(ChangeLogEntry.id)).scalars())


def test_classes_created_renamed_and_given_a_homeroom_teacher(world, gradebook_client):
    f.sign_in(gradebook_client, world.admin)
    gradebook_client.get("/setup/classes")
    bad = gradebook_client.post("/setup/classes", data={"name": "9z", "homeroom_teacher_id": 0})
    assert bad.status_code == 422 and "poziom 1–8" in bad.text and 'value="9z"' in bad.text
    taken = gradebook_client.post("/setup/classes", data={"name": "1A",
                                                          "homeroom_teacher_id": 0})
    assert taken.status_code == 422 and "już" in taken.text
    ok = gradebook_client.post("/setup/classes", data={
        "name": "2b", "homeroom_teacher_id": world.teacher.staff_id})
    assert ok.status_code == 302
    new = db.session.execute(sa.select(SchoolClass).where(SchoolClass.name == "2b")).scalar_one()
    assert new.level == 2 and new.homeroom_teacher_id == world.teacher.staff_id
    gradebook_client.get(f"/setup/classes/{new.id}")
    assert gradebook_client.post(f"/setup/classes/{new.id}", data={
        "name": "3b", "homeroom_teacher_id": 0}).status_code == 302
    db.session.expire_all()
    assert (new.name, new.level, new.homeroom_teacher_id) == ("3b", 3, None)
    changes = _history("school_class")
    assert [c.action for c in changes] == ["create", "update"]
    assert changes[1].old_value["name"] == "2b" and changes[1].new_value["name"] == "3b"
    assert changes[1].changed_by_account_id == world.admin.id


def test_a_group_holds_pupils_of_its_class_and_an_assignment_can_target_it(world,
                                                                          gradebook_client):
    pupil = world.klass.pupils[0]
    f.sign_in(gradebook_client, world.admin)
    gradebook_client.get(f"/setup/classes/{world.klass.id}/groups/new")
    assert gradebook_client.post(f"/setup/classes/{world.klass.id}/groups/new", data={
        "name": "niemiecki gr. 1", "pupils": [pupil.id]}).status_code == 302
    member = db.session.execute(sa.select(ClassGroupMember)).scalar_one()
    assert member.pupil_id == pupil.id
    page = gradebook_client.get("/setup/assignments")
    target = f"g{member.group_id}"
    assert f'value="{target}"' in page.text
    assert gradebook_client.post("/setup/assignments", data={
        "target": target, "subject_id": world.subject.id,
        "teacher_id": world.teacher.staff_id}).status_code == 302
    row = db.session.execute(sa.select(TeachingAssignment).where(
        TeachingAssignment.group_id == member.group_id)).scalar_one()
    assert row.class_id == world.klass.id
    again = gradebook_client.post("/setup/assignments", data={
        "target": target, "subject_id": world.subject.id, "teacher_id": world.teacher.staff_id})
    assert again.status_code == 422 and "już" in again.text
    assert [c.action for c in _history("class_group")] == ["create"]
    assert [c.action for c in _history("assignment")] == ["create"]


def test_a_pupil_of_another_class_cannot_be_put_in_a_group(world, gradebook_client):
    other_class = f.make_class(world.school, "2a")
    stranger = f.make_family(other_class)
    f.commit()
    f.sign_in(gradebook_client, world.admin)
    gradebook_client.get(f"/setup/classes/{world.klass.id}/groups/new")
    response = gradebook_client.post(f"/setup/classes/{world.klass.id}/groups/new", data={
        "name": "religia", "pupils": [stranger.id]})
    assert response.status_code == 422
    assert db.session.execute(sa.select(sa.func.count()).select_from(ClassGroupMember)
                              ).scalar_one() == 0


def test_subjects_added_and_renamed_with_polish_errors(world, gradebook_client):
    f.sign_in(gradebook_client, world.admin)
    gradebook_client.get("/setup/subjects")
    empty = gradebook_client.post("/setup/subjects", data={"name": "", "short_name": ""})
    assert empty.status_code == 422 and "Wpisz nazwę przedmiotu" in empty.text
    dup = gradebook_client.post("/setup/subjects", data={"name": "Matematyka", "short_name": "m"})
    assert dup.status_code == 422
    assert gradebook_client.post("/setup/subjects", data={
        "name": "język niemiecki", "short_name": "niem"}).status_code == 302
    assert [c.action for c in _history("subject")] == ["create"]


def test_school_data_and_voivodeship(world, gradebook_client):
    f.sign_in(gradebook_client, world.admin)
    gradebook_client.get("/setup/school")
    bad = gradebook_client.post("/setup/school", data={
        "name": world.school.name, "short_name": "SP9", "email": "nie-adres",
        "voivodeship": "slaskie"})
    assert bad.status_code == 422 and "adres e-mail" in bad.text
    assert gradebook_client.post("/setup/school", data={
        "name": world.school.name, "short_name": "SP9 Rybnik", "email": "Sekretariat@SP9.pl",
        "voivodeship": "slaskie"}).status_code == 302
    db.session.expire_all()
    assert (world.school.short_name, world.school.email, world.school.voivodeship) == (
        "SP9 Rybnik", "sekretariat@sp9.pl", "slaskie")
    page = gradebook_client.get("/setup/free-days")
    assert "grupie 3" in page.text and "łódzkie" in page.text
    assert _history("school")[0].new_value["voivodeship"] == "slaskie"


def test_years_and_the_term_boundary(world, gradebook_client):
    year = f.current_year(world.school)
    f.sign_in(gradebook_client, world.admin)
    gradebook_client.get("/setup/years")
    bad = gradebook_client.post(f"/setup/years/{year.id}/dates", data={
        f"y{year.id}-starts_on": "2026-09-01", f"y{year.id}-term2_starts_on": "2026-08-01",
        f"y{year.id}-ends_on": "2027-06-25"})
    assert bad.status_code == 422 and "semestr" in bad.text
    assert gradebook_client.post(f"/setup/years/{year.id}/dates", data={
        f"y{year.id}-starts_on": "2026-09-01", f"y{year.id}-term2_starts_on": "2027-01-18",
        f"y{year.id}-ends_on": "2027-06-25"}).status_code == 302
    db.session.expire_all()
    assert [(t.starts_on, t.ends_on) for t in year.terms] == [
        (date(2026, 9, 1), date(2027, 1, 17)), (date(2027, 1, 18), date(2027, 6, 25))]
    assert gradebook_client.post("/setup/years", data={"name": "2027/2028"}).status_code == 302
    dup = gradebook_client.post("/setup/years", data={"name": "2027/2028"})
    assert dup.status_code == 422 and "istnieje" in dup.text
    assert [c.action for c in _history("school_year")] == ["update", "create"]


def test_staff_roles_and_the_last_administrator(world, gradebook_client):
    f.sign_in(gradebook_client, world.admin)
    gradebook_client.get("/setup/staff")
    sid = world.admin.staff_id
    response = gradebook_client.post(f"/setup/staff/{sid}/roles", data={f"s{sid}-is_teacher": "y"})
    assert response.status_code == 422 and "administrator" in response.text
    response = gradebook_client.post(f"/setup/staff/{sid}/deactivate", data={})
    assert response.status_code == 422
    tid = world.teacher.staff_id
    assert gradebook_client.post(f"/setup/staff/{tid}/roles", data={
        f"s{tid}-is_teacher": "y", f"s{tid}-is_secretary": "y"}).status_code == 302
    member = find_by_id(StaffMember, tid)
    db.session.refresh(member)
    assert member.is_secretary and not member.is_admin
    assert _history("staff_member")[0].new_value["secretary"] is True


@contextmanager
def _count_queries():
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def _counts(client, urls):
    result = {}
    for url in urls:
        client.get(url)
        with client.application.app_context(), _count_queries() as statements:
            assert client.get(url).status_code == 200, url
        result[url] = len(statements)
    return result


def _grow(world, n: int):
    year = f.current_year(world.school)
    for i in range(n):
        klass = f.make_class(world.school, f"{1 + i % 8}{'bcdefghijk'[i // 8]}")
        for _ in range(2):
            f.make_family(klass)
        teacher = f.make_staff(world.school)
        f.teach(teacher, klass)
        save_group(klass, f"gr {i}", {klass.pupils[0].id})
        db.session.add(Subject(school_id=world.school.id, name=f"przedmiot {i}",
                               short_name=f"p{i}"))
        db.session.add(FreeDay(school_id=world.school.id, school_year_id=year.id,
                               kind="school", name=f"dzień {i}", starts_on=date(2026, 10, 1 + i),
                               ends_on=date(2026, 10, 1 + i)))
    f.commit()


def test_setup_list_pages_issue_a_constant_number_of_queries(world, gradebook_client):
    f.sign_in(gradebook_client, world.admin)
    urls = PAGES + [f"/setup/classes/{world.klass.id}"]
    small = _counts(gradebook_client, urls)
    _grow(world, 12)
    large = _counts(gradebook_client, urls)
    assert large == small
    assert max(small.values()) <= 15, small
