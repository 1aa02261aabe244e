"""The demo school (``seed-demo``) rolled over by the CLI of design 5.1 (issue 14)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import Enrolment, Pupil, SchoolClass, SchoolYear

pytestmark = pytest.mark.slow


def test_demo_school_rolls_over(gradebook_app):
    runner = gradebook_app.test_cli_runner()
    seeded = runner.invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    old_year = db.session.execute(sa.select(SchoolYear).where(
        SchoolYear.is_current.is_(True))).scalar_one()
    before = {p.id: (p.class_id, c.level, c.name) for p, c in db.session.execute(
        sa.select(Pupil, SchoolClass).join(SchoolClass, SchoolClass.id == Pupil.class_id))}
    assert before
    repeater = next(iter(before))
    done = runner.invoke(args=["school", "year", "rollover", "--to", _next(old_year.name),
                               "--repeat", str(repeater)])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    for pupil_id, (_class_id, level, name) in before.items():
        pupil = find_by_id(Pupil, pupil_id)
        if pupil_id == repeater:
            assert (pupil.school_class.level, pupil.school_class.name) == (level, name)
        elif level == 8:
            assert pupil.class_id is None and pupil.left_reason == "graduated"
        else:
            assert pupil.school_class.level == level + 1
            assert pupil.school_class.name[1:] == name[1:]
        assert db.session.execute(sa.select(sa.func.count()).select_from(Enrolment).where(
            Enrolment.pupil_id == pupil_id, Enrolment.school_year_id == old_year.id)
        ).scalar() == 1
    again = runner.invoke(args=["school", "year", "rollover", "--to", _next(old_year.name)])
    assert again.exit_code == 1


def _next(name: str) -> str:
    start = int(name[:4]) + 1
    return f"{start}/{start + 1}"
