"""Terminarz: the school's caps on tests per class per day and week."""

from datetime import timedelta

import pytest

from gradebook_service.calendar import services
from tests.gradebook.register_factories import TODAY, build_school


def _add(world, day, kind="test", confirm=False, klass="1a"):
    return services.add_event(world.staff_accounts["math"], world.school,
                              world.classes[klass].id, kind, day, "Sprawdzian",
                              subject_id=world.subjects["math"].id, confirm_over_cap=confirm)


def test_default_caps_one_a_day_three_a_week(gradebook_app):
    world = build_school()
    _add(world, TODAY)
    with pytest.raises(services.CapExceeded) as caught:
        _add(world, TODAY)
    assert len(caught.value.warnings) == 1
    _add(world, TODAY + timedelta(days=1))
    _add(world, TODAY + timedelta(days=2))
    with pytest.raises(services.CapExceeded):
        _add(world, TODAY + timedelta(days=3))  # fourth test this week
    _add(world, TODAY + timedelta(days=3), kind="quiz")  # quizzes are not capped by default
    _add(world, TODAY + timedelta(days=7))  # next week is fine
    _add(world, TODAY, klass="1b")  # other class is fine


def test_teacher_may_confirm_over_a_soft_cap(gradebook_app):
    world = build_school()
    _add(world, TODAY)
    assert _add(world, TODAY, confirm=True).id


@pytest.mark.parametrize(("settings", "adds", "refused"), [
    ({"tests": {"max_per_day": 2}}, ["test", "test"], False),
    ({"tests": {"max_per_day": 2, "max_per_week": 2}}, ["test", "test"], False),
    ({"tests": {"max_per_day": 5, "max_per_week": 1}}, ["test"], True),
    ({"tests": {"quizzes_count": True}}, ["quiz"], True),
])
def test_school_settings(gradebook_app, settings, adds, refused):
    world = build_school(settings=settings)
    for kind in adds:
        _add(world, TODAY, kind=kind)
    if refused:
        with pytest.raises(services.CapExceeded):
            _add(world, TODAY, kind=adds[0])


def test_hard_cap_refuses_even_when_confirmed(gradebook_app):
    world = build_school(settings={"tests": {"hard_cap": True}})
    _add(world, TODAY)
    with pytest.raises(services.CapExceeded):
        _add(world, TODAY, confirm=True)
