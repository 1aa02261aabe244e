"""Stored passkeys of unified accounts and the challenges of ceremonies under way."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from idp.extensions import db
from shared.database import TimestampMixin


class Passkey(TimestampMixin, db.Model):
    """One WebAuthn credential of an account (its public key; the private key never leaves the
    authenticator)."""

    __tablename__ = "passkey"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)
    #: The person's own name for it ("Telefon mamy").
    name: Mapped[str] = mapped_column(sa.String(60))
    #: Unique at this IdP: a passwordless sign-in finds the account by it.
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1023), unique=True)
    #: The random WebAuthn user handle of the account (the same for all its passkeys).
    user_handle: Mapped[bytes] = mapped_column(sa.LargeBinary(64))
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(1023))
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    backup_eligible: Mapped[bool] = mapped_column(default=False)
    backed_up: Mapped[bool] = mapped_column(default=False)
    transports: Mapped[str] = mapped_column(sa.String(120), default="")
    aaguid: Mapped[str] = mapped_column(sa.String(36), default="")
    last_used_at: Mapped[datetime | None]


class PasskeyChallenge(db.Model):
    """A challenge handed to one browser session (:mod:`shared.passkey_challenges`)."""

    __tablename__ = "passkey_challenge"
    __table_args__ = (sa.Index("ix_passkey_challenge_expires", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "register" or "passwordless".
    purpose: Mapped[str] = mapped_column(sa.String(20))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id",
                                                                 ondelete="CASCADE"))
    challenge: Mapped[bytes] = mapped_column(sa.LargeBinary(64))
    #: For a registration: the user handle the new passkey will carry.
    user_handle: Mapped[bytes | None] = mapped_column(sa.LargeBinary(64))
    expires_at: Mapped[datetime]
