"""Stored passkeys of unified accounts and the challenges of ceremonies under way."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from idp.extensions import db
from shared.database import TimestampMixin
from shared.passkey_columns import PasskeyChallengeColumns, PasskeyColumns


class Passkey(PasskeyColumns, TimestampMixin, db.Model):
    """One WebAuthn credential of an account (its public key; the private key never leaves the
    authenticator)."""

    __tablename__ = "passkey"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)


class PasskeyChallenge(PasskeyChallengeColumns, db.Model):
    """A challenge handed to one browser session (:mod:`shared.passkey_challenges`)."""

    __tablename__ = "passkey_challenge"
    __table_args__ = (sa.Index("ix_passkey_challenge_expires", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id",
                                                                 ondelete="CASCADE"))
