"""The administrator's grade categories and grade rules: validated, recorded, fed to GradeRules."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.grades import services
from gradebook_service.grades.averaging import GradeRules
from gradebook_service.grades.models import GradeCategory
from gradebook_service.history.models import ChangeLogEntry
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import School
from tests.gradebook.register_factories import TODAY, build_school, sign_in


@pytest.fixture
def world(gradebook_app):
    return build_school()


@pytest.fixture
def admin(world, gradebook_client):
    sign_in(gradebook_client, world.staff_accounts["admin"])
    gradebook_client.get("/admin/grades/categories")
    return gradebook_client


def _category(world, name):
    return db.session.execute(sa.select(GradeCategory).where(
        GradeCategory.school_id == world.school.id, GradeCategory.name == name)).scalar_one()


def test_add_a_category_with_weight_and_colour(world, admin):
    response = admin.post("/admin/grades/categories", data={
        "name": "  Projekt   grupowy ", "weight": "4", "colour": "purple",
        "counts_to_average": "y"})
    assert response.status_code == 303
    added = _category(world, "Projekt grupowy")
    assert (added.weight, added.colour, added.counts_to_average, added.active) == (
        4, "purple", True, True)
    page = admin.get("/admin/grades/categories").get_data(as_text=True)
    assert "Projekt grupowy" in page and "cat-purple" in page
    log = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == "grade_category")).scalar_one()
    assert log.action == "create" and log.new_value["colour"] == "purple"


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "", "weight": "3", "colour": "blue"}, "Podaj nazwę kategorii."),
    ({"name": "sprawdzian", "weight": "3", "colour": "blue"},
     "Szkoła ma już kategorię „sprawdzian”."),
    ({"name": "Nowa", "weight": "11", "colour": "blue"}, "Waga to liczba całkowita od 0 do 10."),
    ({"name": "Nowa", "weight": "", "colour": "blue"}, "Podaj wagę."),
    ({"name": "Nowa", "weight": "2", "colour": "#ff00ff"}, "Not a valid choice"),
])
def test_bad_categories_explained_and_kept(world, admin, data, message):
    before = len(services.categories(world.school.id))
    response = admin.post("/admin/grades/categories", data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text or message.replace("Not a valid choice", "Nieprawidłowy wybór") in text
    assert len(services.categories(world.school.id)) == before


def test_edit_and_deactivate_keeps_grades_and_hides_it_from_new_columns(world, admin):
    quiz = _category(world, "Kartkówka")
    url = f"/admin/grades/categories/{quiz.id}"
    admin.get(url)
    assert admin.post(url, data={"name": "Kartkówka", "weight": "2", "colour": "green",
                                 "counts_to_average": "y"}).status_code == 303  # active unticked
    db.session.expire_all()
    quiz = find_by_id(GradeCategory, quiz.id)
    assert (quiz.weight, quiz.colour, quiz.active) == (2, "green", False)
    teacher = world.staff_accounts["math"]
    sign_in(admin, teacher)
    grid = admin.get(f"/staff/classes/{world.classes['1a'].id}/subjects/"
                     f"{world.subjects['math'].id}/grades").get_data(as_text=True)
    assert f'<option value="{quiz.id}"' not in grid
    with pytest.raises(services.GradeError):
        services.add_assessment(teacher, world.classes["1a"].id, world.subjects["math"].id,
                                world.term1, quiz.id, None, TODAY, "")


def test_category_changes_reach_the_family_page(world, admin):
    from gradebook_service.grades.models import Assessment, Grade
    quiz = _category(world, "Kartkówka")
    pupil = world.pupils["1a"][0]
    a = Assessment(school_id=world.school.id, class_id=world.classes["1a"].id,
                   subject_id=world.subjects["math"].id, term_id=world.term1.id,
                   teacher_id=world.teachers["math"].id, category_id=quiz.id, weight=3,
                   date=TODAY, description="")
    db.session.add(a)
    db.session.flush()
    db.session.add(Grade(school_id=world.school.id, assessment_id=a.id, pupil_id=pupil.id,
                         subject_id=a.subject_id, term_id=world.term1.id, value="5",
                         teacher_id=world.teachers["math"].id))
    db.session.commit()
    sign_in(admin, world.parent_accounts[pupil.id])
    assert "cat-orange" in admin.get("/family/grades").get_data(as_text=True)
    sign_in(admin, world.staff_accounts["admin"])
    admin.get(f"/admin/grades/categories/{quiz.id}")
    admin.post(f"/admin/grades/categories/{quiz.id}", data={
        "name": "Kartkówka", "weight": "3", "colour": "red", "counts_to_average": "y",
        "active": "y"})
    sign_in(admin, world.parent_accounts[pupil.id])
    assert "cat-red" in admin.get("/family/grades").get_data(as_text=True)


def test_grade_rules_saved_and_fed_to_the_rules_object(world, admin):
    admin.get("/admin/grades/rules")
    response = admin.post("/admin/grades/rules", data={
        "plus": "0.3", "minus": "0.3", "non_average": "np, nb, +, -", "disallowed": "6+, 1-",
        "decimals": "1", "descriptive_levels": "1, 2"})
    assert response.status_code == 303
    db.session.expire_all()
    school = db.session.get(School, world.school.id)
    rules = GradeRules.from_settings(school.settings)
    assert rules.value("4+") == Decimal("4.3") and rules.value("4-") == Decimal("3.7")
    assert "bz" not in rules.non_average and rules.value("np") is None
    assert rules.disallowed == {"6+", "1-"} and rules.decimals == 1
    assert rules.is_descriptive(2) and not rules.is_descriptive(3)
    assert rules.average([("4+", 1, True), ("5", 1, True)]) == Decimal("4.7")
    log = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == "school_settings")).scalar_one()
    assert Decimal(log.new_value["grades"]["plus"]) == Decimal("0.3") and log.old_value == {"grades": {}}
    page = admin.get("/admin/grades/rules").get_data(as_text=True)
    assert 'value="0.30"' in page and 'value="1, 2"' in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("plus", "1.5", "„+” dodaje od 0 do 0,99."),
    ("plus", "", "Podaj wartość „+”."),
    ("non_average", "np, 5", "5 nie może być oceną nieliczoną do średniej"),
    ("disallowed", "6+, xyz", "xyz nie jest oceną"),
    ("disallowed", "1, 2, 3, 4, 5, 6", "Szkoła musi używać co najmniej jednej oceny całkowitej."),
    ("descriptive_levels", "1, 9", "Poziomy klas to liczby całkowite od 1 do 8."),
    ("decimals", "5", "Od 0 do 3 miejsc po przecinku."),
])
def test_bad_rules_explained_in_polish_and_nothing_stored(world, admin, field, value, message):
    admin.get("/admin/grades/rules")
    data = {"plus": "0.5", "minus": "0.25", "non_average": "np, nb, bz, +, -",
            "disallowed": "", "decimals": "2", "descriptive_levels": "1, 2, 3", field: value}
    response = admin.post("/admin/grades/rules", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(School, world.school.id).settings == {}


def test_other_schools_categories_404_and_non_admins_refused(world, admin, gradebook_client):
    other = build_school(name="SP 3")
    theirs = _category(other, "Sprawdzian")
    assert admin.get(f"/admin/grades/categories/{theirs.id}").status_code == 404
    assert admin.post(f"/admin/grades/categories/{theirs.id}", data={
        "name": "X", "weight": "1", "colour": "blue"}).status_code == 404
    db.session.expire_all()
    assert find_by_id(GradeCategory, theirs.id).name == "Sprawdzian"
    for account in (world.staff_accounts["math"], world.parent_accounts[world.pupils["1a"][0].id]):
        sign_in(gradebook_client, account)
        for url in ("/admin/grades/categories", "/admin/grades/rules",
                    f"/admin/grades/categories/{_category(world, 'Sprawdzian').id}"):
            assert gradebook_client.get(url).status_code == 403, url
