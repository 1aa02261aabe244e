"""The register school of ``register_factories`` shaped for the year's life: classes 4a and 8b.

``build_school`` names its classes 1a and 1b; here 1a becomes 4a (level 4, with the
register: lessons, attendance, grades) and 1b becomes 8b (level 8, graduating), and
one teacher teaches class 4a only (to see access end when a pupil leaves it).
"""

from __future__ import annotations

import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.roster.enrolment import ensure_enrolments
from gradebook_service.school.models import StaffMember, TeachingAssignment
from tests.gradebook.register_factories import World, build_school, staff_account


def build_year_school(pupils_per_class: int = 3, scale: int = 1, name: str = "SP 5") -> World:
    world = build_school(name, pupils_per_class=pupils_per_class, lessons=True, scale=scale)
    world.classes["1a"].name, world.classes["1a"].level = "4a", 4
    world.classes["1b"].name, world.classes["1b"].level = "8b", 8
    only_4a = StaffMember(school_id=world.school.id, first_name="Olga", last_name="Tylko4a",
                          is_teacher=True)
    db.session.add(only_4a)
    db.session.flush()
    db.session.add(TeachingAssignment(school_id=world.school.id,
                                      class_id=world.classes["1a"].id,
                                      subject_id=world.subjects["history"].id,
                                      teacher_id=only_4a.id))
    world.teachers["only_4a"] = only_4a
    world.staff_accounts["only_4a"] = staff_account(world.school, only_4a)
    ensure_enrolments(world.school.id, world.year)  # as the roster import makes them
    db.session.commit()
    return world


def table_rows(table_names: list[str] | None = None) -> dict[str, list[tuple]]:
    """Every row of the named tables (default: all), ordered, for before/after comparisons."""
    metadata = db.metadata
    names = table_names or sorted(metadata.tables)
    out = {}
    for name in names:
        table = metadata.tables[name]
        out[name] = sorted(tuple(map(repr, row)) for row in db.session.execute(
            sa.select(table)).all())
    return out
