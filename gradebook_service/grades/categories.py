"""The school's grade categories: name, weight, colour, whether they count, active or not.

A category in use is never deleted: deactivating it keeps its grades (and their
weights) and only stops teachers choosing it for new columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.grades.models import Assessment, GradeCategory
from gradebook_service.history.services import record_change
from shared.database import utcnow

#: The colours a category may have: names of CSS classes (no inline styles under the CSP),
#: each dark enough for AA contrast as text and border on white.
COLOURS = {"blue": _l("blue"), "green": _l("green"), "red": _l("red"),
           "orange": _l("orange"), "purple": _l("purple"), "teal": _l("teal"),
           "brown": _l("brown"), "grey": _l("grey")}
MAX_WEIGHT = 10


class CategoryError(Exception):
    """A category cannot be saved; ``fields`` maps form fields to their problem."""

    def __init__(self, fields: dict) -> None:
        super().__init__(next(iter(fields.values())))
        self.fields = fields


def _snapshot(category: GradeCategory) -> dict:
    return {"name": category.name, "weight": category.weight, "colour": category.colour,
            "counts_to_average": category.counts_to_average, "active": category.active}


def category_rows(school_id: int) -> list[tuple[GradeCategory, int]]:
    """Every category of the school (active first) with how many columns use it, in one query."""
    uses = (sa.select(Assessment.category_id, sa.func.count().label("n"))
            .where(Assessment.school_id == school_id).group_by(Assessment.category_id)
            .subquery())
    return [tuple(row) for row in db.session.execute(
        sa.select(GradeCategory, sa.func.coalesce(uses.c.n, 0))
        .outerjoin(uses, uses.c.category_id == GradeCategory.id)
        .where(GradeCategory.school_id == school_id)
        .order_by(GradeCategory.active.desc(), GradeCategory.name))]


def category_or_none(school_id: int, category_id: int) -> GradeCategory | None:
    """One of the school's categories (another school's is None, like a missing one)."""
    return db.session.execute(sa.select(GradeCategory).where(
        GradeCategory.id == category_id, GradeCategory.school_id == school_id)
    ).scalar_one_or_none()


def save_category(account: SchoolAccount, name: str, weight: int | None, colour: str,
                  counts: bool, active: bool = True,
                  category: GradeCategory | None = None) -> GradeCategory:
    """Create a category or change ``category``; CategoryError names each bad field."""
    school_id = account.school_id
    name = " ".join((name or "").split())
    problems: dict = {}
    if not name:
        problems["name"] = _l("Give the category's name.")
    elif len(name) > 60:
        problems["name"] = _l("The name has at most 60 characters.")
    elif db.session.execute(sa.select(GradeCategory.id).where(
            GradeCategory.school_id == school_id,
            sa.func.lower(GradeCategory.name) == name.lower(),
            GradeCategory.id != (category.id if category else -1))).first() is not None:
        problems["name"] = _l("The school already has a category “%(name)s”.", name=name)
    if weight is None or not 0 <= weight <= MAX_WEIGHT:
        problems["weight"] = _l("The weight is a whole number from 0 to %(max)d.", max=MAX_WEIGHT)
    if colour not in COLOURS:
        problems["colour"] = _l("Choose a colour from the list.")
    if problems:
        raise CategoryError(problems)
    old = _snapshot(category) if category else None
    if category is None:
        category = GradeCategory(school_id=school_id)
        db.session.add(category)
    category.name, category.weight, category.colour = name, weight, colour
    category.counts_to_average, category.active = counts, active
    category.updated_at = utcnow()
    db.session.flush()
    record_change(school_id, "grade_category", category.id, pupil_id=None,
                  action="update" if old else "create", old=old, new=_snapshot(category),
                  actor=account)
    return category
