"""Descriptive term and year grades (ocena opisowa) in classes 1–3: text for families, no numbers."""

import pytest
import sqlalchemy as sa
import time_machine

from gradebook_service.extensions import db
from gradebook_service.grades import services
from gradebook_service.grades.models import DescriptiveGrade, FinalGrade
from gradebook_service.history.models import ChangeLogEntry
from tests.gradebook.register_factories import TODAY, build_school, sign_in

TEXT = "Ania pięknie czyta i liczy do stu. Pracuje samodzielnie."


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY.isoformat() + " 09:00 +0000"):
        yield


def _grid_url(world, key="math"):
    return f"/staff/classes/{world.classes['1a'].id}/subjects/{world.subjects[key].id}/grades"


def _enter(client, world, data):
    client.get(_grid_url(world))
    return client.post(_grid_url(world) + "?term=1", data=data)


def test_teacher_writes_the_text_parents_see_it_instead_of_numbers(gradebook_client):
    world = build_school(level=2, lessons=True)
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get(_grid_url(world)).get_data(as_text=True)
    assert f'name="d-{pupil.id}-term"' in page and f'name="f-{pupil.id}-term-final"' not in page
    response = _enter(gradebook_client, world, {
        f"d-{pupil.id}-term": TEXT,
        # a number for the term grade is not taken in a descriptive class
        f"f-{pupil.id}-term-final": "5"})
    assert response.status_code == 303
    stored = db.session.execute(sa.select(DescriptiveGrade)).scalar_one()
    assert (stored.pupil_id, stored.period, stored.text) == (pupil.id, "term", TEXT)
    assert db.session.execute(sa.select(FinalGrade)).first() is None
    entity = db.session.execute(sa.select(ChangeLogEntry.entity, ChangeLogEntry.action).where(
        ChangeLogEntry.pupil_id == pupil.id)).all()
    assert ("descriptive_grade", "create") in entity

    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    family = gradebook_client.get("/family/grades").get_data(as_text=True)
    assert TEXT in family
    assert "ocena opisowa" in family
    # the partial grades are shown, but no average stands in for the assessment
    rows = services.pupil_grades(world.school, pupil, world.year)
    maths = next(r for r in rows if r.subject_id == world.subjects["math"].id)
    assert maths.grades[1] and maths.texts == {"term": TEXT}
    assert all(v is None for r in rows for v in r.averages.values())
    assert all(not r.finals for r in rows)


def test_a_changed_text_reaches_the_family_page_and_an_emptied_one_goes(gradebook_client):
    world = build_school(level=3)
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.staff_accounts["math"])
    _enter(gradebook_client, world, {f"d-{pupil.id}-term": TEXT})
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    assert TEXT in gradebook_client.get("/family/grades").get_data(as_text=True)  # now cached
    sign_in(gradebook_client, world.staff_accounts["math"])
    _enter(gradebook_client, world, {f"d-{pupil.id}-term": "Zmieniona ocena.",
                                     f"d-{pupil.id}-year": "Roczna ocena."})
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    page = gradebook_client.get("/family/grades").get_data(as_text=True)
    assert "Zmieniona ocena." in page and "Roczna ocena." in page and TEXT not in page
    sign_in(gradebook_client, world.staff_accounts["math"])
    _enter(gradebook_client, world, {f"d-{pupil.id}-term": "  "})
    assert db.session.execute(sa.select(DescriptiveGrade.period)).scalars().all() == ["year"]
    actions = db.session.execute(sa.select(ChangeLogEntry.action).where(
        ChangeLogEntry.entity == "descriptive_grade").order_by(ChangeLogEntry.id)).scalars().all()
    assert actions == ["create", "update", "create", "delete"]


def test_too_long_a_text_is_refused_and_kept_in_the_form(gradebook_client):
    world = build_school(level=1)
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.staff_accounts["math"])
    response = _enter(gradebook_client, world, {f"d-{pupil.id}-term": "a" * 4001})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Ocena opisowa może mieć najwyżej 4000 znaków." in text
    assert "a" * 4001 in text
    assert db.session.execute(sa.select(DescriptiveGrade)).first() is None


def test_class_four_keeps_numbers_and_the_school_decides_the_levels(gradebook_client):
    world = build_school(level=4)
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.staff_accounts["math"])
    assert _enter(gradebook_client, world, {f"f-{pupil.id}-term-final": "5",
                                            f"d-{pupil.id}-term": TEXT}).status_code == 303
    assert db.session.execute(sa.select(FinalGrade.value)).scalars().all() == [5]
    assert db.session.execute(sa.select(DescriptiveGrade)).first() is None
    # a school that grades class 4 descriptively too
    other = build_school(name="SP 2", level=4,
                         settings={"grades": {"descriptive_levels": [1, 2, 3, 4]}})
    rows = services.pupil_grades(other.school, other.pupils["1a"][0], other.year)
    assert rows and all(r.descriptive for r in rows)


def test_a_teacher_of_another_school_cannot_write_texts(gradebook_client):
    world = build_school(level=2)
    other = build_school(name="SP 7", level=2)
    sign_in(gradebook_client, other.staff_accounts["math"])
    assert gradebook_client.get(_grid_url(other)).status_code == 200  # their own (a CSRF token)
    response = gradebook_client.post(_grid_url(world), data={
        f"d-{world.pupils['1a'][0].id}-term": TEXT})
    assert response.status_code == 404
    assert db.session.execute(sa.select(DescriptiveGrade)).first() is None
