"""The school settings page: test caps and own attendance types, typed, validated, recorded."""

import pytest
import sqlalchemy as sa

from gradebook_service.calendar.services import caps
from gradebook_service.extensions import db
from gradebook_service.history.models import ChangeLogEntry
from gradebook_service.lessons.services import attendance_types
from gradebook_service.school.models import School
from tests.gradebook.register_factories import build_school, sign_in

URL = "/setup/settings/"


@pytest.fixture
def world(gradebook_app):
    return build_school(settings={"grades": {"plus": "0.5"}, "demo_register": "2026/2027"})


@pytest.fixture
def admin(world, gradebook_client):
    sign_in(gradebook_client, world.staff_accounts["admin"])
    gradebook_client.get(URL)
    return gradebook_client


def _form(**changes):
    data = {"max_per_week": "3", "max_per_day": "1", "types": "2",
            "code-0": "zdalna", "label-0": "Lekcja zdalna", "symbol-0": "zd",
            "maps_to-0": "present", "code-1": "", "label-1": "", "symbol-1": "", "maps_to-1": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _school(world):
    db.session.expire_all()
    return db.session.get(School, world.school.id)


def test_defaults_shown_then_saved_and_read_by_the_domains(world, admin):
    page = admin.get(URL).get_data(as_text=True)
    assert 'name="max_per_week" min="1" max="10" value="3"' in page
    response = admin.post(URL, data=_form(max_per_week="4", max_per_day="2", hard_cap="y"))
    assert response.status_code == 303
    school = _school(world)
    assert caps(school) == {"max_per_week": 4, "max_per_day": 2, "quizzes_count": False,
                            "hard_cap": True}
    own = [t for t in attendance_types(school) if t.code == "zdalna"]
    assert [(t.label, t.symbol, t.status) for t in own] == [("Lekcja zdalna", "zd", "present")]
    # keys the form does not know are kept
    assert school.settings["grades"] == {"plus": "0.5"}
    assert school.settings["demo_register"] == "2026/2027"
    log = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == "school_settings")).scalar_one()
    assert log.old_value == {"tests": None, "attendance_types": None}
    assert log.new_value["tests"]["max_per_week"] == 4


@pytest.mark.parametrize(("changes", "message"), [
    ({"max_per_week": "0"}, "Sprawdzianów w tygodniu: liczba całkowita od 1 do 10."),
    ({"max_per_week": "x"}, "Sprawdzianów w tygodniu: liczba całkowita od 1 do 10."),
    ({"max_per_day": "9"}, "Sprawdzianów dziennie: liczba całkowita od 1 do 5."),
    ({"max_per_week": "2", "max_per_day": "3"},
     "Klasa nie może mieć więcej sprawdzianów dziennie niż w tygodniu."),
    ({"code-0": "Zdalna lekcja!"}, "Wiersz 1: kod ma od 1 do 12 małych liter, cyfr lub _."),
    ({"code-0": "absent"}, "Wiersz 1: kod „absent” jest już używany."),
    ({"code-1": "zdalna", "label-1": "Druga", "maps_to-1": "absent"},
     "Wiersz 2: kod „zdalna” jest już używany."),
    ({"label-0": ""}, "Wiersz 1: podaj nazwę o długości najwyżej 40 znaków."),
    ({"maps_to-0": "excused"}, "Wiersz 1: wybierz, jak liczy się ten typ."),
    ({"symbol-0": "zdaln"}, "Wiersz 1: symbol ma najwyżej 4 znaki."),
])
def test_bad_values_explained_in_polish_kept_and_nothing_saved(world, admin, changes, message):
    response = admin.post(URL, data=_form(**changes))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    typed = changes.get("label-0") or changes.get("code-0")
    if typed:
        assert f'value="{typed}"' in text  # nothing typed is lost
    assert "tests" not in _school(world).settings


def test_non_administrators_refused(world, gradebook_client):
    for account in (world.staff_accounts["math"],
                    world.parent_accounts[world.pupils["1a"][0].id]):
        sign_in(gradebook_client, account)
        assert gradebook_client.get(URL).status_code == 403
        assert gradebook_client.post(URL, data=_form()).status_code in (400, 403)
    assert "tests" not in _school(world).settings


def test_only_the_admins_own_school_changes(world, admin):
    other = build_school(name="SP 4")
    assert admin.post(URL, data=_form(max_per_week="5")).status_code == 303
    db.session.expire_all()
    assert "tests" not in db.session.get(School, other.school.id).settings


def test_admin_lets_adult_pupils_excuse_and_takes_it_back(world, admin):
    """The switch for School.settings["adult_pupils_may_excuse"] (read by may_submit_excuses)."""
    from gradebook_service.lessons.services import ADULT_PUPILS_MAY_EXCUSE

    page = admin.get(URL).get_data(as_text=True)
    assert 'id="adult_pupils_may_excuse"' in page and "Pełnoletni uczniowie" in page
    assert 'name="adult_pupils_may_excuse" value="y" aria-describedby' in page
    assert admin.post(URL, data=_form(adult_pupils_may_excuse="y")).status_code == 303
    assert _school(world).settings[ADULT_PUPILS_MAY_EXCUSE] is True
    assert "checked" in admin.get(URL).get_data(as_text=True).split(
        'id="adult_pupils_may_excuse"')[1].split(">")[0]
    log = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == "school_settings")).scalars().all()[-1]
    assert log.old_value[ADULT_PUPILS_MAY_EXCUSE] is False
    assert log.new_value[ADULT_PUPILS_MAY_EXCUSE] is True
    assert admin.post(URL, data=_form()).status_code == 303  # unticked
    assert _school(world).settings[ADULT_PUPILS_MAY_EXCUSE] is False
    assert _school(world).settings["grades"] == {"plus": "0.5"}  # other keys kept
