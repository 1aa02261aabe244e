"""Who may write to whom: a pure rule over plain values, without Flask or a database.

* A family (a parent, or the pupil) writes to the teachers of the child's class, the
  homeroom teacher, the secretariat and the headteacher (administrator) — never to
  another family, and never to a group.
* Staff write to anyone of their school, one by one or to a class's (or the whole
  school's) parents or pupils.
* In a thread, anyone may answer the staff who wrote to them.
Nobody writes across schools or to themself.
"""

from __future__ import annotations

from dataclasses import dataclass

PARENT = "parent"
PUPIL = "pupil"
STAFF = "staff"

#: Groups a sender may address at once: (scope, audience).
PARENTS = "parents"
PUPILS = "pupils"
GROUP_AUDIENCES = (PARENTS, PUPILS)


@dataclass(frozen=True)
class Person:
    """An account as the rule sees it."""

    account_id: int
    school_id: int
    role: str
    #: Staff only: the staff member and their roles.
    staff_id: int | None = None
    is_teacher: bool = False
    is_secretary: bool = False
    is_admin: bool = False

    @property
    def is_family(self) -> bool:
        return self.role in (PARENT, PUPIL)


@dataclass(frozen=True)
class ChildTies:
    """The school staff a family's child has: the class's teachers and the homeroom teacher."""

    teacher_ids: frozenset[int] = frozenset()
    homeroom_teacher_id: int | None = None


def may_write(sender: Person, recipient: Person, ties: ChildTies = ChildTies()) -> bool:
    """True if ``sender`` may start a conversation with ``recipient``."""
    if sender.school_id != recipient.school_id or sender.account_id == recipient.account_id:
        return False
    if sender.role == STAFF:
        return True
    if not sender.is_family or recipient.role != STAFF or recipient.staff_id is None:
        return False
    return (recipient.staff_id in ties.teacher_ids
            or recipient.staff_id == ties.homeroom_teacher_id
            or recipient.is_secretary or recipient.is_admin)


def may_reply(sender: Person, recipient: Person, ties: ChildTies = ChildTies(),
              wrote_to_sender: bool = False) -> bool:
    """True if ``sender`` may answer ``recipient`` in a thread they share.

    Staff who wrote to a family may be answered even when the rule would not let the
    family start the conversation (a pedagogue, a substitute); a family never reaches
    another family, even in a thread with many recipients.
    """
    if may_write(sender, recipient, ties):
        return True
    return (wrote_to_sender and recipient.role == STAFF
            and sender.school_id == recipient.school_id
            and sender.account_id != recipient.account_id)


def may_address_group(sender: Person, audience: str) -> bool:
    """True if ``sender`` may write to a class's or the school's parents or pupils at once."""
    return sender.role == STAFF and audience in GROUP_AUDIENCES


def may_require_confirmation(sender: Person) -> bool:
    """Only staff ask for a confirmation of reading."""
    return sender.role == STAFF
