"""The excuse flow: a parent excuses absences, the homeroom teacher accepts or rejects."""

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.history.models import ChangeLogEntry
from gradebook_service.lessons import services
from gradebook_service.lessons.models import Attendance
from tests.gradebook.register_factories import build_school


def _absences(world, pupil):
    return [a for a, *_ in services.excusable_absences(world.school.id, pupil.id)]


def test_parent_excuses_and_homeroom_accepts(gradebook_app):
    world = build_school(lessons=True)  # pupil 0 of 1a absent in 3 lessons of week 1
    pupil = world.pupils["1a"][0]
    parent = world.parent_accounts[pupil.id]
    absences = _absences(world, pupil)
    assert len(absences) == 3
    excuse = services.submit_excuse(parent, pupil, [a.id for a in absences[:2]], "Choroba")
    assert len(_absences(world, pupil)) == 1  # the pending ones are not offered again
    homeroom = world.staff_accounts["math"]
    assert [e.id for e in services.homeroom_excuses(homeroom)] == [excuse.id]
    assert services.homeroom_excuses(world.staff_accounts["polish"]) == []
    assert services.excuse_for_homeroom(world.staff_accounts["polish"], excuse.id) is None
    services.decide_excuse(homeroom, services.excuse_for_homeroom(homeroom, excuse.id), True)
    db.session.commit()
    statuses = sorted(db.session.execute(sa.select(Attendance.status).where(
        Attendance.pupil_id == pupil.id, Attendance.status != "present")).scalars())
    assert statuses == ["absent", "excused", "excused"]
    logged = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == "attendance")).scalars().all()
    assert len(logged) == 2 and all(e.new_value["status"] == "excused" for e in logged)
    with pytest.raises(services.ExcuseError):
        services.decide_excuse(homeroom, excuse, False)


def test_rejected_excuse_leaves_absences_and_they_can_be_excused_again(gradebook_app):
    world = build_school(lessons=True)
    pupil = world.pupils["1a"][0]
    parent = world.parent_accounts[pupil.id]
    ids = [a.id for a in _absences(world, pupil)]
    excuse = services.submit_excuse(parent, pupil, ids, "Wyjazd")
    services.decide_excuse(world.staff_accounts["math"], excuse, False, "Brak podstaw")
    assert excuse.status == "rejected"
    assert sorted(a.id for a in _absences(world, pupil)) == sorted(ids)


@pytest.mark.parametrize(("which", "reason"), [("none", "Choroba"), ("all", "  "),
                                                ("other", "Choroba")])
def test_invalid_excuses_are_refused(gradebook_app, which, reason):
    world = build_school(lessons=True)
    pupil = world.pupils["1a"][0]
    other_pupil = world.pupils["1a"][1]
    ids = {"none": [], "all": [a.id for a in _absences(world, pupil)],
           "other": [a.id for a in db.session.execute(sa.select(Attendance).where(
               Attendance.pupil_id == other_pupil.id)).scalars()][:1]}[which]
    with pytest.raises(services.ExcuseError):
        services.submit_excuse(world.parent_accounts[pupil.id], pupil, ids, reason)
