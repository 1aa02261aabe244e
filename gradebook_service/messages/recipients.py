"""The compose form's recipients: the options an account may choose, and what they expand to.

Option values are opaque to the browser (``account:<id>``, ``class:<id>:parents``,
``school:pupils`` …) and only values from the sender's own options are accepted, so
a forged value reaches nobody. Every choice is checked by :mod:`.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import PARENT, PUPIL, STAFF, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.messages.policy import (
    PARENTS,
    PUPILS,
    ChildTies,
    Person,
    may_address_group,
    may_write,
)
from gradebook_service.school.models import (
    Guardian,
    Guardianship,
    Pupil,
    SchoolClass,
    StaffMember,
    Subject,
    TeachingAssignment,
)


@dataclass(frozen=True)
class Option:
    """One choice on the compose form."""

    value: str
    label: str
    group: str


def person_of(account: SchoolAccount, staff: StaffMember | None = None) -> Person:
    """The policy's view of an account."""
    staff = staff if staff is not None else (account.staff if account.role == STAFF else None)
    return Person(account.id, account.school_id, account.role,
                  staff_id=staff.id if staff else None,
                  is_teacher=bool(staff and staff.is_teacher),
                  is_secretary=bool(staff and staff.is_secretary),
                  is_admin=bool(staff and staff.is_admin))


def person_label(account: SchoolAccount) -> str:
    """How an account is named to others: a family with its child and class, so a teacher
    writing to a whole class knows whose parent answered."""
    pupil = account.family_pupil()
    if pupil is None:
        return account.display_name
    class_name = pupil.school_class.name
    if account.role == PARENT:
        return str(_l("%(name)s (parent of %(pupil)s, %(class_name)s)", name=account.display_name,
                      pupil=pupil.full_name, class_name=class_name))
    return str(_l("%(name)s (pupil, %(class_name)s)", name=account.display_name,
                  class_name=class_name))


def child_ties(account: SchoolAccount) -> ChildTies:
    """The teachers and homeroom teacher of a family account's child (empty for staff)."""
    pupil = account.family_pupil()
    if pupil is None:
        return ChildTies()
    teachers = frozenset(db.session.execute(sa.select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.school_id == account.school_id,
        TeachingAssignment.class_id == pupil.class_id)).scalars())
    homeroom = db.session.execute(sa.select(SchoolClass.homeroom_teacher_id).where(
        SchoolClass.school_id == account.school_id, SchoolClass.id == pupil.class_id)).scalar()
    return ChildTies(teachers, homeroom)


def _staff_rows(school_id: int) -> list[tuple[SchoolAccount, StaffMember]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(SchoolAccount, StaffMember)
        .join(StaffMember, StaffMember.id == SchoolAccount.staff_id)
        .where(SchoolAccount.school_id == school_id, SchoolAccount.role == STAFF,
               SchoolAccount.is_active.is_(True))
        .order_by(StaffMember.last_name, StaffMember.first_name))]


def _staff_label(member: StaffMember, subjects: dict[int, list[str]], homeroom: int | None) -> str:
    roles = []
    if member.is_admin:
        roles.append(str(_l("headteacher")))
    if member.is_secretary:
        roles.append(str(_l("secretariat")))
    if member.id == homeroom:
        roles.append(str(_l("homeroom teacher")))
    roles.extend(subjects.get(member.id, []))
    return f"{member.full_name} ({', '.join(roles)})" if roles else member.full_name


def _family_rows(school_id: int, class_id: int | None = None
                 ) -> list[tuple[SchoolAccount, Pupil, Guardian | None, str]]:
    """Family accounts of the school (or one class): account, pupil, guardian, class name."""
    query = (sa.select(SchoolAccount, Pupil, Guardian, SchoolClass.name)
             .outerjoin(Guardianship, Guardianship.id == SchoolAccount.guardianship_id)
             .outerjoin(Guardian, Guardian.id == Guardianship.guardian_id)
             .join(Pupil, Pupil.id == sa.func.coalesce(SchoolAccount.pupil_id,
                                                        Guardianship.pupil_id))
             .join(SchoolClass, SchoolClass.id == Pupil.class_id)
             .where(SchoolAccount.school_id == school_id, SchoolAccount.role.in_((PARENT, PUPIL)),
                    SchoolAccount.is_active.is_(True), Pupil.school_id == school_id))
    if class_id is not None:
        query = query.where(Pupil.class_id == class_id)
    return [tuple(r) for r in db.session.execute(
        query.order_by(SchoolClass.name, Pupil.last_name, Pupil.first_name, SchoolAccount.role))]


def options_for(account: SchoolAccount) -> list[Option]:
    """Everything ``account`` may choose as a recipient (a fixed number of queries)."""
    sender = person_of(account)
    if sender.is_family:
        return _family_options(account, sender)
    return _staff_options(account, sender)


def _family_options(account: SchoolAccount, sender: Person) -> list[Option]:
    ties = child_ties(account)
    pupil = account.family_pupil()
    subjects: dict[int, list[str]] = {}
    for teacher_id, name in db.session.execute(
            sa.select(TeachingAssignment.teacher_id, Subject.name)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .where(TeachingAssignment.school_id == account.school_id,
                   TeachingAssignment.class_id == pupil.class_id).order_by(Subject.name)):
        subjects.setdefault(teacher_id, []).append(name)
    group = str(_l("School staff"))
    return [Option(f"account:{other.id}", _staff_label(member, subjects, ties.homeroom_teacher_id),
                   group)
            for other, member in _staff_rows(account.school_id)
            if may_write(sender, person_of(other, member), ties)]


def _staff_options(account: SchoolAccount, sender: Person) -> list[Option]:
    options: list[Option] = []
    classes = list(db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_id == account.school_id).order_by(SchoolClass.level,
                                                              SchoolClass.name)).scalars())
    groups = str(_l("Groups"))
    if may_address_group(sender, PARENTS):
        options.append(Option("school:parents", str(_l("All parents in the school")), groups))
    if may_address_group(sender, PUPILS):
        options.append(Option("school:pupils", str(_l("All pupils in the school")), groups))
    for klass in classes:
        for audience, label in ((PARENTS, _l("Parents of class %(name)s", name=klass.name)),
                                (PUPILS, _l("Pupils of class %(name)s", name=klass.name))):
            if may_address_group(sender, audience):
                options.append(Option(f"class:{klass.id}:{audience}", str(label), groups))
    staff_group = str(_l("School staff"))
    for other, member in _staff_rows(account.school_id):
        if may_write(sender, person_of(other, member)):
            options.append(Option(f"account:{other.id}", _staff_label(member, {}, None),
                                  staff_group))
    for other, pupil, guardian, class_name in _family_rows(account.school_id):
        if not may_write(sender, person_of(other)):
            continue
        if other.role == PARENT and guardian is not None:
            label = _l("%(guardian)s, parent of %(pupil)s", guardian=guardian.full_name,
                       pupil=pupil.full_name)
        else:
            label = _l("%(pupil)s, pupil", pupil=pupil.full_name)
        options.append(Option(f"account:{other.id}", str(label),
                              str(_l("Class %(name)s", name=class_name))))
    return options


def expand(account: SchoolAccount, values: list[str]) -> list[int]:
    """The account ids the chosen values reach; a value not among the options is refused.

    Raises ``ValueError`` naming the first value the sender may not use.
    """
    allowed = {o.value for o in options_for(account)}
    chosen: list[int] = []
    for value in values:
        if value not in allowed:
            raise ValueError(value)
        kind, _sep, rest = value.partition(":")
        if kind == "account":
            chosen.append(int(rest))
        elif kind == "school":
            role = PARENT if rest == PARENTS else PUPIL
            chosen.extend(a.id for a, *_ in _family_rows(account.school_id) if a.role == role)
        elif kind == "class":
            class_id, _sep, audience = rest.partition(":")
            role = PARENT if audience == PARENTS else PUPIL
            chosen.extend(a.id for a, *_ in _family_rows(account.school_id, int(class_id))
                          if a.role == role)
    return list(dict.fromkeys(i for i in chosen if i != account.id))
