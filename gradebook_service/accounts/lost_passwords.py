"""A lost login or password: reported by staff, resolved by the administrator with a new letter."""

from __future__ import annotations

import sqlalchemy as sa

from gradebook_service.accounts.models import STAFF, PasswordResetRequest, SchoolAccount
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from shared.database import utcnow


def can_report_lost_password(staff_account: SchoolAccount, account: SchoolAccount) -> bool:
    """Admin and secretary for the whole school; a homeroom teacher for their class's families."""
    if staff_account.role != STAFF or account.school_id != staff_account.school_id:
        return False
    staff = staff_account.staff
    if staff.is_admin or staff.is_secretary:
        return True
    pupil = account.family_pupil()
    return (pupil is not None and pupil.school_class.homeroom_teacher_id == staff.id)


def record_reset_request(account: SchoolAccount, reported_by: SchoolAccount,
                         note: str | None) -> PasswordResetRequest:
    """Record a reported lost login/password for the administrator."""
    existing = db.session.execute(sa.select(PasswordResetRequest).where(
        PasswordResetRequest.school_id == account.school_id,
        PasswordResetRequest.account_id == account.id,
        PasswordResetRequest.status == "open")).scalar_one_or_none()
    if existing is not None:
        return existing
    request_row = PasswordResetRequest(school_id=account.school_id, account_id=account.id,
                                       reported_by_id=reported_by.id, note=(note or None),
                                       status="open")
    db.session.add(request_row)
    db.session.flush()
    audit("reset.requested", actor=reported_by.login, subject=account.login,
          request_id=request_row.id)
    return request_row


def mark_reset_resolved(request_row: PasswordResetRequest, admin: SchoolAccount) -> None:
    """Close a request once its new password is printed (the letter service issued it)."""
    request_row.status = "done"
    request_row.resolved_by_id = admin.id
    request_row.resolved_at = utcnow()
    audit("reset.resolved", actor=admin.login, subject=request_row.account.login,
          request_id=request_row.id)
