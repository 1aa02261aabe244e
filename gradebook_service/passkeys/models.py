"""Stored passkeys of school accounts and the challenges of ceremonies under way."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed
from shared.database import TimestampMixin
from shared.passkey_columns import PasskeyChallengeColumns, PasskeyColumns


class Passkey(SchoolKeyed, PasskeyColumns, TimestampMixin, db.Model):
    """One WebAuthn credential of a school account (its public key; the private key never leaves
    the authenticator)."""

    __tablename__ = "passkey"
    __table_args__ = (
        sa.Index("ix_passkey_school_account", "school_id", "account_id"),
        sa.UniqueConstraint("school_id", "credential_id"),
        sa.Index("ix_passkey_credential_id", "credential_id"),  # passwordless: by it alone
    )
    #: Unique across schools through the key directory (school.models.KeyDirectory).
    __directory__ = ("credential_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id",
                                                          ondelete="CASCADE"))
    #: The shared column without its global unique constraint (see ``__directory__``).
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1023))


class PasskeyChallenge(PasskeyChallengeColumns, db.Model):
    """A challenge handed to one browser session; deleted when used, useless when expired.

    Not school-owned: a passwordless sign-in starts before anyone (or any school) is known.
    So ``account_id`` has no foreign key: a table without ``school_id`` may not point at a
    school-owned one (it could not be a Citus reference table); ``take`` checks that the
    challenge was handed to the account that answers it, and a challenge lives minutes.
    """

    __tablename__ = "passkey_challenge"
    __table_args__ = (sa.Index("ix_passkey_challenge_expires", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None]
