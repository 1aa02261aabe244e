"""Private calendar feed tokens (one per account; resetting makes the old URL stop working)."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed
from shared.database import utcnow


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class FeedToken(SchoolKeyed, db.Model):
    """The secret in an account's iCalendar URLs."""

    __tablename__ = "feed_token"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "account_id"),
        sa.UniqueConstraint("school_id", "token"),
        sa.Index("ix_feed_token_token", "token"),  # a feed URL carries the token alone
    )
    #: Unique across schools through the key directory (school.models.KeyDirectory).
    __directory__ = ("token",)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    token: Mapped[str] = mapped_column(sa.String(64), default=new_feed_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
