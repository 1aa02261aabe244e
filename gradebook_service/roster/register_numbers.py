"""Numbers in the class register (numer w dzienniku), in Polish alphabetical order.

A class numbered for the first time gets 1…n by surname, then first name, then
birth date. A pupil who joins a numbered class later gets the next free number,
as schools do mid-year, so nobody's number changes under them; the administrator
can renumber a class on demand (at the start of a year).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.school.models import Pupil
from shared.collation import polish_key


def register_order(pupil: Pupil) -> tuple:
    """The sort key of a pupil in the class register."""
    return polish_key(pupil.last_name), polish_key(pupil.first_name), pupil.birth_date, pupil.id


def _class_pupils(school_id: int, class_ids: Iterable[int]) -> dict[int, list[Pupil]]:
    by_class: dict[int, list[Pupil]] = defaultdict(list)
    ids = list(class_ids)
    if not ids:
        return by_class
    for pupil in db.session.execute(sa.select(Pupil).where(
            Pupil.school_id == school_id, Pupil.class_id.in_(ids))).scalars():
        by_class[pupil.class_id].append(pupil)
    return by_class


def number_new_pupils(school_id: int, class_ids: Iterable[int]) -> int:
    """Number the pupils without a number (or with another class's); return how many changed."""
    changed = 0
    for members in _class_pupils(school_id, class_ids).values():
        numbered = [p for p in members if p.register_number]
        taken = [p.register_number for p in numbered]
        duplicate = {n for n in taken if taken.count(n) > 1}
        waiting = sorted((p for p in members if not p.register_number
                          or p.register_number in duplicate), key=register_order)
        if not numbered:
            waiting = sorted(members, key=register_order)
        top = max((n for n in taken if n not in duplicate), default=0)
        for pupil in waiting:
            top += 1
            pupil.register_number = top
            changed += 1
    db.session.flush()
    return changed


def renumber_class(school_id: int, class_id: int) -> dict[int, tuple[int | None, int]]:
    """Number the whole class 1…n in Polish order; return {pupil id: (old, new)} for the changed."""
    members = sorted(_class_pupils(school_id, [class_id]).get(class_id, []), key=register_order)
    changes = {}
    for number, pupil in enumerate(members, start=1):
        if pupil.register_number != number:
            changes[pupil.id] = (pupil.register_number, number)
            pupil.register_number = number
    db.session.flush()
    return changes
