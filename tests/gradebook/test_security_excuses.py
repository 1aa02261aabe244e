"""Only parents excuse absences, unless the school lets adult pupils; the list names the submitter."""

from datetime import date

import pytest

from gradebook_service.extensions import db
from gradebook_service.lessons import services
from gradebook_service.lessons.models import Excuse
from tests.gradebook.register_factories import build_school, sign_in


def _absence_ids(world, pupil):
    return [a.id for a, *_ in services.excusable_absences(world.school.id, pupil.id)]


def test_a_pupil_may_not_submit_an_excuse(gradebook_app):
    world = build_school(lessons=True)
    pupil = world.pupils["1a"][0]
    with pytest.raises(services.ExcuseError):
        services.submit_excuse(world.pupil_accounts[pupil.id], pupil,
                               _absence_ids(world, pupil)[:1], "Byłem chory")
    assert db.session.scalar(db.select(db.func.count()).select_from(Excuse)) == 0


def test_the_excuse_page_refuses_a_pupils_post(gradebook_app, gradebook_client):
    world = build_school(lessons=True)
    pupil = world.pupils["1a"][0]
    ids = _absence_ids(world, pupil)
    sign_in(gradebook_client, world.pupil_accounts[pupil.id])
    gradebook_client.get("/family/excuses/new")
    response = gradebook_client.post("/family/excuses/new",
                                     data={"absence": [str(ids[0])], "reason": "Choroba"})
    assert response.status_code == 422
    assert "rodzic" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Excuse)) == 0


def test_an_adult_pupil_may_when_the_school_allows_it(gradebook_app):
    world = build_school(lessons=True)
    pupil = world.pupils["1a"][0]
    account = world.pupil_accounts[pupil.id]
    on = date(pupil.birth_date.year + 18, pupil.birth_date.month, 28)
    with pytest.raises(services.ExcuseError):  # adult, but the school has not allowed it
        services.submit_excuse(account, pupil, _absence_ids(world, pupil)[:1], "Choroba", on=on)
    world.school.settings = {**(world.school.settings or {}),
                             services.ADULT_PUPILS_MAY_EXCUSE: True}
    db.session.flush()
    with pytest.raises(services.ExcuseError):  # allowed, but not yet 18
        services.submit_excuse(account, pupil, _absence_ids(world, pupil)[:1], "Choroba",
                               on=date(pupil.birth_date.year + 17, 1, 1))
    excuse = services.submit_excuse(account, pupil, _absence_ids(world, pupil)[:1], "Choroba",
                                    on=on)
    assert excuse.submitted_by_account_id == account.id


def test_the_homeroom_list_names_the_submitter(gradebook_app, gradebook_client):
    world = build_school(lessons=True)
    pupil = world.pupils["1a"][0]
    parent = world.parent_accounts[pupil.id]
    services.submit_excuse(parent, pupil, _absence_ids(world, pupil)[:1], "Choroba")
    db.session.commit()
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get("/staff/excuses").get_data(as_text=True)
    assert parent.display_name in page and "rodzic" in page
