"""A staff member's roles and whether they may still sign in (they left: deactivated).

Deactivating ends every session at once (the session version moves on), refuses
the school login and the back-channel check (both read ``is_active``) and takes
the person off the homeroom and teaching pickers; lessons, grades and the change
history keep their name. The last active administrator cannot be deactivated or
lose the role, so a school can never lock itself out of its own setup.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import STAFF, SchoolAccount
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from gradebook_service.school.models import SchoolClass, StaffMember
from shared.database import utcnow


class StaffStatusError(Exception):
    """The change would leave the school without an administrator, or names nothing."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def staff_with_accounts(school_id: int) -> list[tuple[StaffMember, SchoolAccount]]:
    """Every staff member of the school with their account (one query)."""
    return [tuple(r) for r in db.session.execute(
        sa.select(StaffMember, SchoolAccount)
        .join(SchoolAccount, SchoolAccount.staff_id == StaffMember.id)
        .where(StaffMember.school_id == school_id, SchoolAccount.school_id == school_id,
               SchoolAccount.role == STAFF)
        .order_by(StaffMember.deactivated_at.is_not(None), StaffMember.last_name,
                  StaffMember.first_name))]


def staff_account_of(school_id: int, staff_id: int) -> SchoolAccount | None:
    """The account of a staff member of the school (None for another school's)."""
    return db.session.execute(sa.select(SchoolAccount).join(
        StaffMember, StaffMember.id == SchoolAccount.staff_id).where(
        StaffMember.id == staff_id, StaffMember.school_id == school_id,
        SchoolAccount.school_id == school_id, SchoolAccount.role == STAFF)).scalar_one_or_none()


def _other_admins(member: StaffMember) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(StaffMember).where(
        StaffMember.school_id == member.school_id, StaffMember.is_admin.is_(True),
        StaffMember.deactivated_at.is_(None), StaffMember.id != member.id)).scalar_one()


def _roles(member: StaffMember) -> dict:
    return {"teacher": member.is_teacher, "secretary": member.is_secretary,
            "admin": member.is_admin, "active": member.deactivated_at is None}


def set_roles(account: SchoolAccount, *, teacher: bool, secretary: bool, admin: bool,
              by: SchoolAccount) -> tuple[dict, dict]:
    """Set the roles of a staff member; return (old, new) for the change history."""
    member = account.staff
    if not (teacher or secretary or admin):
        raise StaffStatusError(_l("Choose at least one role."))
    if member.is_admin and not admin and _other_admins(member) == 0:
        raise StaffStatusError(_l("The school needs at least one active administrator."))
    old = _roles(member)
    member.is_teacher, member.is_secretary, member.is_admin = teacher, secretary, admin
    db.session.flush()
    new = _roles(member)
    if old != new:
        audit("staff.roles_changed", actor=by.login, subject=account.login,
              roles=",".join(r for r in ("teacher", "secretary", "admin") if new[r]))
    return old, new


def deactivate(account: SchoolAccount, by: SchoolAccount) -> tuple[dict, dict]:
    """Stop a staff member from signing in anywhere, at once; their history stays."""
    member = account.staff
    if member.deactivated_at is not None:
        raise StaffStatusError(_l("This person is already deactivated."))
    if member.is_admin and _other_admins(member) == 0:
        raise StaffStatusError(_l("The school needs at least one active administrator."))
    old = _roles(member)
    member.deactivated_at = utcnow()
    account.is_active = False
    account.session_version = (account.session_version or 1) + 1  # ends open sessions
    db.session.execute(sa.update(SchoolClass).where(
        SchoolClass.school_id == member.school_id, SchoolClass.homeroom_teacher_id == member.id)
        .values(homeroom_teacher_id=None))
    db.session.flush()
    audit("staff.deactivated", actor=by.login, subject=account.login)
    return old, _roles(member)


def reactivate(account: SchoolAccount, by: SchoolAccount) -> tuple[dict, dict]:
    """Let a returning staff member sign in again (with a new letter: the old password is void)."""
    member = account.staff
    if member.deactivated_at is None:
        raise StaffStatusError(_l("This person is active."))
    old = _roles(member)
    member.deactivated_at = None
    account.is_active = True
    account.password_hash = None  # a new letter gives them a password again
    account.must_change_password = True
    account.session_version = (account.session_version or 1) + 1
    db.session.flush()
    audit("staff.reactivated", actor=by.login, subject=account.login)
    return old, _roles(member)
