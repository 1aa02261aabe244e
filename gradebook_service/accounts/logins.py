"""School logins: family logins (7 random digits, the pupil's with ``u``) and staff accounts."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from gradebook_service.accounts.models import PARENT, PUPIL, STAFF, SchoolAccount
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from gradebook_service.school.models import Guardianship, Pupil, StaffMember


def normalise_login(login: str) -> str:
    """Return the login trimmed and lower-cased, as it is stored."""
    return (login or "").strip().lower()


def _login_taken(login: str) -> bool:
    return db.session.execute(
        sa.select(SchoolAccount.id).where(SchoolAccount.login.in_((login, login + "u")))
    ).first() is not None


def new_parent_login(reserved: set[str] | None = None) -> str:
    """Return 7 random digits not used by any account (random, so never sequential)."""
    reserved = reserved if reserved is not None else set()
    for _ in range(100):
        login = str(secrets.randbelow(9_000_000) + 1_000_000)  # no leading zero
        if login not in reserved and not _login_taken(login):
            reserved.add(login)
            return login
    raise RuntimeError("could not find a free login")  # 9 million numbers: practically never


def ensure_family_accounts(guardianship: Guardianship,
                           reserved: set[str] | None = None) -> list[SchoolAccount]:
    """Create the parent login of a pupil–guardian pair and, for the first guardian, the pupil's.

    No password is set: it exists only once a letter is printed.
    """
    created = []
    parent = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.guardianship_id == guardianship.id)).scalar_one_or_none()
    if parent is None:
        parent = SchoolAccount(school_id=guardianship.school_id, role=PARENT,
                               guardianship=guardianship, login=new_parent_login(reserved),
                               must_change_password=True)
        db.session.add(parent)
        created.append(parent)
    pupil_account = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.pupil_id == guardianship.pupil_id)).scalar_one_or_none()
    if pupil_account is None and guardianship.position == 1:
        pupil_account = SchoolAccount(school_id=guardianship.school_id, role=PUPIL,
                                      pupil_id=guardianship.pupil_id, login=parent.login + "u",
                                      must_change_password=True)
        db.session.add(pupil_account)
        created.append(pupil_account)
    db.session.flush()
    return created


class LoginTaken(Exception):
    """The chosen staff login is already used by another account."""


def add_staff_member(school_id: int, *, first_name: str, last_name: str, login: str,
                     email: str | None = None, is_teacher: bool = False,
                     is_secretary: bool = False, is_admin: bool = False,
                     by: SchoolAccount | None = None) -> SchoolAccount:
    """Create a staff member and their account (no password until the letter is printed)."""
    login = normalise_login(login)
    if _login_taken(login):
        raise LoginTaken()
    member = StaffMember(school_id=school_id, first_name=first_name.strip(),
                         last_name=last_name.strip(), email=(email or "").strip() or None,
                         is_teacher=is_teacher, is_secretary=is_secretary, is_admin=is_admin)
    db.session.add(member)
    db.session.flush()
    account = ensure_staff_account(member, login=login)
    audit("staff.added", actor=by.login if by else "cli", subject=login,
          roles=",".join(r for r, on in (("teacher", is_teacher), ("secretary", is_secretary),
                                         ("admin", is_admin)) if on))
    return account


def ensure_staff_account(staff: StaffMember, login: str | None = None) -> SchoolAccount:
    """Return the staff member's account, creating it (without a password) if needed."""
    account = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.staff_id == staff.id)).scalar_one_or_none()
    if account is None:
        account = SchoolAccount(school_id=staff.school_id, role=STAFF, staff=staff,
                                login=login or ("n" + new_parent_login()),
                                must_change_password=True)
        db.session.add(account)
        db.session.flush()
    return account


def accounts_by_ids(ids: Iterable[int]) -> list[SchoolAccount]:
    """Return the accounts with these ids (in one query)."""
    ids = list(ids)
    if not ids:
        return []
    return list(db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.id.in_(ids))).scalars())


def age_today(pupil: Pupil) -> int:
    """Return the pupil's age today (the IdP asks for it to decide on parental consent)."""
    return pupil.age_on(date.today())
