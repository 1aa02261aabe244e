"""Where a pupil is and was: enrolments, moves mid-year and leaving the school.

``Pupil.class_id`` answers "where is the pupil now" for every current page (and so
decides which teachers see them, ``accounts/access.py``); :class:`Enrolment` rows
keep the history, so a move or a new year never loses which class the grades and
attendance were given in. Services flush, never commit.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import PARENT, PUPIL, SchoolAccount
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from gradebook_service.roster.register_numbers import number_new_pupils
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import (
    JOINED,
    MOVED,
    ClassGroup,
    ClassGroupMember,
    Enrolment,
    Guardianship,
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
)
from gradebook_service.school.year_setup import SetupError

#: Longest reason for leaving kept with the pupil.
MAX_REASON = 300


class EnrolmentError(SetupError):
    """A move or a leaving was refused; ``message`` says why (in the reader's language)."""


def ensure_enrolments(school_id: int, year: SchoolYear) -> int:
    """Give every pupil in a class of ``year`` without an enrolment there an open one.

    Pupils come into classes by the roster import and by older data; this makes the
    history complete before anything reads or changes it. Returns how many were added.
    """
    has_row = sa.select(Enrolment.id).where(
        Enrolment.school_id == school_id, Enrolment.pupil_id == Pupil.id,
        Enrolment.class_id == Pupil.class_id).exists()
    missing = db.session.execute(
        sa.select(Pupil).join(SchoolClass, SchoolClass.id == Pupil.class_id)
        .where(Pupil.school_id == school_id, SchoolClass.school_year_id == year.id, ~has_row)
    ).scalars().all()
    if not missing:
        return 0
    groups = _groups_of(school_id, [p.id for p in missing])
    for pupil in missing:
        db.session.add(Enrolment(
            school_id=school_id, pupil_id=pupil.id, school_year_id=year.id,
            class_id=pupil.class_id, group_ids=sorted(groups.get(pupil.id, ())),
            starts_on=max(pupil.joined_on, year.starts_on), reason=JOINED))
    db.session.flush()
    return len(missing)


def _groups_of(school_id: int, pupil_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for pupil_id, group_id in db.session.execute(
            sa.select(ClassGroupMember.pupil_id, ClassGroupMember.group_id).where(
                ClassGroupMember.school_id == school_id,
                ClassGroupMember.pupil_id.in_(pupil_ids or [-1]))):
        found.setdefault(pupil_id, set()).add(group_id)
    return found


def open_enrolment(pupil: Pupil) -> Enrolment:
    """The pupil's enrolment in their current class (created from the class if missing)."""
    klass = get_owned(SchoolClass, pupil.school_id, pupil.class_id)
    ensure_enrolments(pupil.school_id, klass.school_year)
    return db.session.execute(sa.select(Enrolment).where(
        Enrolment.school_id == pupil.school_id, Enrolment.pupil_id == pupil.id,
        Enrolment.class_id == pupil.class_id, Enrolment.ends_on.is_(None))
        .order_by(Enrolment.starts_on.desc()).limit(1)).scalar_one()


def history(school_id: int, pupil_id: int) -> list[Enrolment]:
    """Every enrolment of the pupil, oldest first, with class and year loaded."""
    return list(db.session.execute(sa.select(Enrolment).where(
        Enrolment.school_id == school_id, Enrolment.pupil_id == pupil_id)
        .order_by(Enrolment.starts_on, Enrolment.id)
        .options(sa.orm.joinedload(Enrolment.school_class),
                 sa.orm.joinedload(Enrolment.school_year))).scalars())


def _current_pupil(pupil: Pupil) -> SchoolClass:
    if pupil.left_on is not None or pupil.class_id is None:
        raise EnrolmentError(_l("%(name)s is no longer on the list of pupils.",
                                name=pupil.full_name))
    return get_owned(SchoolClass, pupil.school_id, pupil.class_id)


def move_pupil(pupil: Pupil, target: SchoolClass, group_ids: set[int], on: date, *,
               today: date, actor: str) -> Enrolment:
    """Move ``pupil`` to ``target`` (and these of its groups) from ``on``; both stays kept.

    The old enrolment ends the day before; the new class's teachers see the pupil and
    the old class's stop seeing them, because access follows ``Pupil.class_id``.
    """
    old_class = _current_pupil(pupil)
    year = old_class.school_year
    if target.school_id != pupil.school_id or target.school_year_id != year.id:
        raise EnrolmentError(_l("Choose a class of the current school year."))
    valid_groups = set(db.session.execute(sa.select(ClassGroup.id).where(
        ClassGroup.school_id == pupil.school_id, ClassGroup.class_id == target.id)).scalars())
    if not group_ids <= valid_groups:
        raise EnrolmentError(_l("Choose groups of the new class only."))
    current = open_enrolment(pupil)
    if target.id == current.class_id and group_ids == set(current.group_ids or ()):
        raise EnrolmentError(_l("The pupil is in that class and those groups already."))
    if not current.starts_on < on <= min(today, year.ends_on):
        raise EnrolmentError(_l(
            "The move must be after %(day)s (when the pupil joined the present class) and "
            "not in the future.", day=current.starts_on.isoformat()))
    current.ends_on = on - timedelta(days=1)
    moved = Enrolment(school_id=pupil.school_id, pupil_id=pupil.id, school_year_id=year.id,
                      class_id=target.id, group_ids=sorted(group_ids), starts_on=on,
                      reason=MOVED)
    db.session.add(moved)
    db.session.execute(sa.delete(ClassGroupMember).where(
        ClassGroupMember.school_id == pupil.school_id, ClassGroupMember.pupil_id == pupil.id))
    db.session.add_all([ClassGroupMember(school_id=pupil.school_id, group_id=g,
                                         pupil_id=pupil.id) for g in sorted(group_ids)])
    if target.id != old_class.id:
        pupil.class_id = target.id
        pupil.register_number = None  # the next free number in the new class
        db.session.flush()
        number_new_pupils(pupil.school_id, [target.id])
    db.session.flush()
    audit("pupil.moved", actor=actor, subject=f"pupil:{pupil.id}", school_id=pupil.school_id,
          from_class=old_class.name, to_class=target.name, groups=sorted(group_ids),
          on=on.isoformat())
    return moved


def leave_school(pupil: Pupil, on: date, reason: str, *, actor: str) -> date:
    """Strike the pupil off the list on ``on`` (skreślenie); return the family's last day.

    The records stay; the pupil leaves every current class list and group at once,
    and the family may read the register for the school's grace period.
    """
    _current_pupil(pupil)
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > MAX_REASON:
        raise EnrolmentError(_l("Give the reason (at most 300 characters)."))
    current = open_enrolment(pupil)
    if on < current.starts_on:
        raise EnrolmentError(_l("The pupil cannot leave before %(day)s, when they joined "
                                "the present class.", day=current.starts_on.isoformat()))
    school = db.session.get(School, pupil.school_id)
    current.ends_on = on
    until = on + timedelta(days=school.leaving_grace_days)
    _strike_off(pupil, on, reason, until)
    audit("pupil.left", actor=actor, subject=f"pupil:{pupil.id}", school_id=pupil.school_id,
          on=on.isoformat(), family_access_until=until.isoformat())
    return until


def _strike_off(pupil: Pupil, on: date, reason: str, until: date) -> None:
    pupil.left_on, pupil.left_reason, pupil.family_access_until = on, reason, until
    pupil.class_id = None
    pupil.register_number = None
    db.session.execute(sa.delete(ClassGroupMember).where(
        ClassGroupMember.school_id == pupil.school_id, ClassGroupMember.pupil_id == pupil.id))
    db.session.flush()


def graduate(pupil: Pupil, year: SchoolYear, retention_days: int) -> None:
    """Class 8 finished: off the lists, the family reads the register for the retention."""
    _strike_off(pupil, year.ends_on, "graduated",
                year.ends_on + timedelta(days=retention_days))


def family_access_open(pupil: Pupil, today: date) -> bool:
    """True while the family of ``pupil`` may read the register."""
    return pupil.family_access_until is None or today <= pupil.family_access_until


def expire_family_access(school_id: int, today: date, *, actor: str) -> int:
    """Disable the family accounts whose grace or retention period is over; how many."""
    ended = sa.select(Pupil.id).where(Pupil.school_id == school_id,
                                      Pupil.family_access_until < today)
    parents = sa.select(Guardianship.id).where(Guardianship.school_id == school_id,
                                               Guardianship.pupil_id.in_(ended))
    accounts = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.school_id == school_id, SchoolAccount.is_active.is_(True),
        sa.or_(sa.and_(SchoolAccount.role == PUPIL, SchoolAccount.pupil_id.in_(ended)),
               sa.and_(SchoolAccount.role == PARENT,
                       SchoolAccount.guardianship_id.in_(parents))))).scalars().all()
    for account in accounts:
        account.is_active = False
        account.session_version += 1
    if accounts:
        audit("family_access.expired", actor=actor, school_id=school_id,
              accounts=len(accounts))
    db.session.flush()
    return len(accounts)


def current_pupils(school_id: int, year_id: int) -> list[Pupil]:
    """The pupils on the list now, in classes of ``year_id``."""
    return list(db.session.execute(
        sa.select(Pupil).join(SchoolClass, SchoolClass.id == Pupil.class_id)
        .where(Pupil.school_id == school_id, SchoolClass.school_year_id == year_id,
               Pupil.left_on.is_(None))).scalars())
