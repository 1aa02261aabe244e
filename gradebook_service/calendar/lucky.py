"""The class's lucky number of the day: pupils with it are not asked to answer today."""

from __future__ import annotations

import hashlib
from datetime import date

import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.school.models import Pupil


def lucky_number(school_id: int, class_id: int, day: date) -> int | None:
    """The number for ``day``, drawn from the class's register numbers.

    Derived from the school, class and date, so everyone (the family pages and the
    API alike) sees the same number all day without storing it.
    """
    top = db.session.execute(sa.select(sa.func.max(Pupil.register_number)).where(
        Pupil.school_id == school_id, Pupil.class_id == class_id)).scalar()
    if not top:
        return None
    seed = f"{school_id}:{class_id}:{day.isoformat()}".encode()
    return int.from_bytes(hashlib.sha256(seed).digest()[:4], "big") % top + 1
