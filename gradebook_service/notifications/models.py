"""What a person wants to hear about, what is waiting to be told, and the devices that listen."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed
from shared.database import UTCDateTime, utcnow

MESSAGE = "message"
GRADE = "grade"
ABSENCE = "absence"
TEST = "test"
ANNOUNCEMENT = "announcement"
#: A test, event or homework of the child's class moved to another day or withdrawn.
RESCHEDULED = "rescheduled"
KINDS = (MESSAGE, GRADE, ABSENCE, TEST, ANNOUNCEMENT, RESCHEDULED)

IMMEDIATE = "immediate"
DIGEST = "digest"
OFF = "off"
MODES = (IMMEDIATE, DIGEST, OFF)

#: Until a person chooses: what a parent would expect from a paper register's phone call.
#: A moved or cancelled test changes tomorrow's plans, so it does not wait for the digest.
DEFAULT_MODES = {MESSAGE: IMMEDIATE, GRADE: IMMEDIATE, ABSENCE: IMMEDIATE, TEST: DIGEST,
                 ANNOUNCEMENT: DIGEST, RESCHEDULED: IMMEDIATE}

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DROPPED = "dropped"


class NotificationPreference(SchoolKeyed, db.Model):
    """How one account wants one kind of news: immediately, in the daily digest, or not at all."""

    __tablename__ = "notification_preference"
    __table_args__ = (
        sa.PrimaryKeyConstraint("school_id", "account_id", "kind"),
        sa.CheckConstraint("mode in ('immediate', 'digest', 'off')", name="mode"),
        sa.ForeignKeyConstraint(["account_id"], ["school_account.id"], ondelete="CASCADE"),
    )

    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16))
    mode: Mapped[str] = mapped_column(sa.String(10))
    #: Mail and push separately: a parent may want pushes but no mail.
    by_mail: Mapped[bool] = mapped_column(default=True)
    by_push: Mapped[bool] = mapped_column(default=True)


class DigestMark(SchoolKeyed, db.Model):
    """The local day an account's digest went out: at most one digest a day."""

    __tablename__ = "notification_digest_mark"
    __table_args__ = (
        sa.PrimaryKeyConstraint("school_id", "account_id"),
        sa.ForeignKeyConstraint(["account_id"], ["school_account.id"], ondelete="CASCADE"),
    )

    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int]
    sent_on: Mapped[date]


class Notification(SchoolKeyed, db.Model):
    """One piece of news for one account, waiting for the dispatcher (its outbox)."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.Index("ix_notification_school_state_account", "school_id", "state", "account_id"),
        sa.Index("ix_notification_state_created", "state", "created_at"),
        sa.ForeignKeyConstraint(["account_id"], ["school_account.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16))
    #: Values the mail and push templates are rendered with, in the person's language at sending.
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Path inside the register the news is about (joined with GRADEBOOK_URL at sending).
    path: Mapped[str | None] = mapped_column(sa.String(300))
    state: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PushSubscription(SchoolKeyed, db.Model):
    """A browser's Web Push endpoint and keys (RFC 8030/8291) for one account."""

    __tablename__ = "push_subscription"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "account_id", "endpoint_hash"),
        sa.ForeignKeyConstraint(["account_id"], ["school_account.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int]
    endpoint: Mapped[str] = mapped_column(sa.Text)
    #: SHA-256 of the endpoint: endpoints are long URLs, too long for a portable unique index.
    endpoint_hash: Mapped[str] = mapped_column(sa.String(64))
    p256dh: Mapped[str] = mapped_column(sa.String(200))
    auth: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
