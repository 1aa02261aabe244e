"""Consent records: a parent's decision about a pupil's unified account, kept as evidence."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.accounts.models import Account
from idp.extensions import db
from shared.database import TimestampMixin

#: Waiting for the pupil to activate the account; no mail sent to the parent yet.
WAITING = "waiting"
REQUESTED = "requested"
GRANTED = "granted"
REFUSED = "refused"
WITHDRAWN = "withdrawn"
STATUSES = (WAITING, REQUESTED, GRANTED, REFUSED, WITHDRAWN)

#: How the person deciding proved they are the pupil's parent.
BY_SCHOOL_LOGIN = "school_login"
BY_UNIFIED_ACCOUNT = "unified_account"


class ParentalConsent(TimestampMixin, db.Model):
    """One request for a parent's consent to a pupil's account, and what became of it."""

    __tablename__ = "parental_consent"
    __table_args__ = (sa.CheckConstraint(
        "status in ('waiting', 'requested', 'granted', 'refused', 'withdrawn')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    #: The gradebook's reference of the pupil (the parent's verify answer must name the same).
    pupil_ref: Mapped[str] = mapped_column(sa.String(64), index=True)
    pupil_display_name: Mapped[str] = mapped_column(sa.String(200))
    school: Mapped[str] = mapped_column(sa.String(200))
    #: The address the pupil gave for their parent (lower-cased).
    parent_email: Mapped[str] = mapped_column(sa.String(320))
    status: Mapped[str] = mapped_column(sa.String(12), default=WAITING)
    #: Renewed with every request mail: only the newest link works.
    request_nonce: Mapped[str | None] = mapped_column(sa.String(32))
    requested_at: Mapped[datetime | None]
    request_count: Mapped[int] = mapped_column(default=0)

    # The decision and its evidence.
    decided_at: Mapped[datetime | None]
    decided_ip: Mapped[str | None] = mapped_column(sa.String(64))
    decided_user_agent: Mapped[str | None] = mapped_column(sa.String(256))
    method: Mapped[str | None] = mapped_column(sa.String(20))
    #: The parent's school account (gradebook reference) that proved parenthood.
    parent_ref: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    parent_display_name: Mapped[str | None] = mapped_column(sa.String(200))
    parent_account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="SET NULL"), index=True)
    #: Version of the information notice the parent was shown when deciding.
    notice_version: Mapped[str | None] = mapped_column(sa.String(20))

    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="SET NULL"))

    pupil_account: Mapped[Account] = relationship(foreign_keys=[pupil_account_id])
