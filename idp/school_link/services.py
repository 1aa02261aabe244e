"""Linking school accounts to unified accounts: one unified account per school account."""

from __future__ import annotations

import sqlalchemy as sa

from idp.accounts.models import PENDING_ACTIVATION, Account, SchoolAccountLink
from idp.core.models import audit
from idp.extensions import db
from idp.school_link.backchannel import (
    PARENT,
    PUPIL,
    SchoolAccountAnswer,
    SchoolCredentialsThrottled,
    WrongSchoolCredentials,
    verify_school_credentials,
)
from shared.ratelimit import credential_throttle

VERIFY_SCOPE = "idp-school-verify"

class SchoolLinkError(Exception):
    """Base class of the school-link errors."""


class SchoolAccountTaken(SchoolLinkError):
    """The school account is already linked to another unified account."""


class UnsupportedRole(SchoolLinkError):
    """Only parent and pupil logins can be linked (staff use their school login)."""


class LastLink(SchoolLinkError):
    """A pupil account cannot remove its own pupil login (it is what the account is for)."""


def check_school_credentials(login: str, password: str) -> SchoolAccountAnswer:
    """Verify school credentials through the back-channel, counting failures per login and IP."""
    login = (login or "").strip()
    throttle = credential_throttle()
    if throttle.blocked(VERIFY_SCOPE, login):
        raise SchoolCredentialsThrottled
    try:
        answer = verify_school_credentials(login, password)
    except WrongSchoolCredentials:
        throttle.failed(VERIFY_SCOPE, login)
        audit("school_login.failed")
        raise
    throttle.succeeded(VERIFY_SCOPE, login)
    if answer.role not in (PARENT, PUPIL):
        raise UnsupportedRole(answer.role)
    return answer


def find_link(ref: str) -> SchoolAccountLink | None:
    """Return the link of the school account ``ref``, if any."""
    return db.session.execute(
        sa.select(SchoolAccountLink).where(SchoolAccountLink.ref == ref)).scalar_one_or_none()


def ensure_claimable(answer: SchoolAccountAnswer, account: Account | None = None) -> None:
    """Raise :class:`SchoolAccountTaken` if another (activated) account holds this school account."""
    existing = find_link(answer.ref)
    if existing is not None and (account is None or existing.account_id != account.id) \
            and existing.account.status != PENDING_ACTIVATION:
        raise SchoolAccountTaken(answer.ref)


def claim_school_account(account: Account, answer: SchoolAccountAnswer) -> SchoolAccountLink:
    """Link ``answer``'s school account to ``account``.

    A link held by an account that was never activated is released: whoever proves
    the school credentials again is the same family, and an abandoned registration
    must not lock the school account forever.
    """
    existing = find_link(answer.ref)
    if existing is not None:
        if existing.account_id == account.id:
            _refresh(existing, answer)
            return existing
        if existing.account.status != PENDING_ACTIVATION:
            raise SchoolAccountTaken(answer.ref)
        stale = existing.account
        audit("account.registration_replaced", subject=stale.sub)
        db.session.delete(stale)
        db.session.flush()
    link = SchoolAccountLink(account_id=account.id, ref=answer.ref, role=answer.role,
                             display_name=answer.display_name[:200] or answer.ref,
                             school=answer.school[:200], pupil_ref=answer.pupil_ref,
                             pupil_display_name=(answer.pupil_display_name or "")[:200] or None)
    db.session.add(link)
    db.session.flush()
    db.session.refresh(account, ["school_links"])
    audit("school_account.linked", actor=account.sub, subject=account.sub, ref=answer.ref,
          role=answer.role)
    return link


def _refresh(link: SchoolAccountLink, answer: SchoolAccountAnswer) -> None:
    link.display_name = answer.display_name[:200] or link.display_name
    link.school = answer.school[:200] or link.school
    link.pupil_display_name = (answer.pupil_display_name or "")[:200] or link.pupil_display_name
    db.session.flush()


def unlink(account: Account, link_id: int) -> SchoolAccountLink | None:
    """Remove one of ``account``'s links; return it (None if it is not theirs)."""
    link = db.session.get(SchoolAccountLink, link_id)
    if link is None or link.account_id != account.id:
        return None
    if link.role == PUPIL:
        raise LastLink
    db.session.delete(link)
    db.session.flush()
    db.session.refresh(account, ["school_links"])
    audit("school_account.unlinked", actor=account.sub, subject=account.sub, ref=link.ref)
    return link


def parent_links_for_pupil(account: Account, pupil_ref: str) -> list[SchoolAccountLink]:
    """The parent logins of ``account`` that belong to the pupil ``pupil_ref``."""
    return [link for link in account.school_links
            if link.role == PARENT and link.pupil_ref == pupil_ref]


def pupil_link(account: Account) -> SchoolAccountLink | None:
    """The pupil login linked to ``account`` (pupil accounts have exactly one)."""
    return next((link for link in account.school_links if link.role == PUPIL), None)
