"""Unified accounts and their links to school accounts in the gradebook."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.extensions import db
from shared.database import TimestampMixin
from shared.mail_requests import MailRequestMixin
from shared.session_records import SessionRecordMixin

PENDING_ACTIVATION = "pending_activation"
PENDING_CONSENT = "pending_consent"
ACTIVE = "active"
DISABLED = "disabled"
STATUSES = (PENDING_ACTIVATION, PENDING_CONSENT, ACTIVE, DISABLED)


def new_subject() -> str:
    """A stable, opaque OIDC ``sub``: never the e-mail, never a row id."""
    return secrets.token_urlsafe(24)


class Account(TimestampMixin, db.Model):
    """A person's unified account ("Przeglądaj wygodnie")."""

    __tablename__ = "account"
    __table_args__ = (sa.CheckConstraint(
        "status in ('pending_activation', 'pending_consent', 'active', 'disabled')",
        name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sub: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_subject)
    #: Stored lower-cased; unique.
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    email_verified_at: Mapped[datetime | None]
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    password_changed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(sa.String(20), default=PENDING_ACTIVATION)
    given_name: Mapped[str | None] = mapped_column(sa.String(100))
    family_name: Mapped[str | None] = mapped_column(sa.String(100))
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    #: Bumped on password change, recovery or disabling: ends every other session.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None]
    #: The version of the terms (regulamin) the owner accepted, and when.
    terms_version: Mapped[str | None] = mapped_column(sa.String(20))
    terms_accepted_at: Mapped[datetime | None]
    #: Renewed whenever an activation link is sent: older links stop working.
    activation_nonce: Mapped[str | None] = mapped_column(sa.String(32))
    #: TOTP second factor: the shared secret, encrypted with the deployment secret.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    totp_enabled_at: Mapped[datetime | None]
    #: The last time step accepted, so a code cannot be used twice.
    totp_last_counter: Mapped[int | None] = mapped_column(sa.BigInteger)

    school_links: Mapped[list[SchoolAccountLink]] = relationship(
        back_populates="account", cascade="all, delete-orphan",
        order_by="SchoolAccountLink.id")

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE

    @property
    def name(self) -> str | None:
        parts = [p for p in (self.given_name, self.family_name) if p]
        return " ".join(parts) or None

    def school_accounts_claim(self) -> list[dict]:
        """The ``school_accounts`` claim (docs/architecture.md 5.2): one entry per linked school account."""
        return [{"ref": link.ref, "role": link.role, "display_name": link.display_name,
                 "school": link.school} for link in self.school_links]


class SchoolAccountLink(TimestampMixin, db.Model):
    """A school account (from the gradebook's verify answer) the owner has proven they hold.

    Only the gradebook's opaque reference and display data are kept: never the
    school login or password.
    """

    __tablename__ = "school_account_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)
    #: The gradebook's opaque reference of the school account; one unified account per school account.
    ref: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[str] = mapped_column(sa.String(10))  # parent | pupil
    display_name: Mapped[str] = mapped_column(sa.String(200))
    school: Mapped[str] = mapped_column(sa.String(200))
    pupil_ref: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    pupil_display_name: Mapped[str | None] = mapped_column(sa.String(200))

    account: Mapped[Account] = relationship(back_populates="school_links")


class RecoveryCode(TimestampMixin, db.Model):
    """A single-use recovery code for the second factor (only its hash is kept)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]


class BrowserSession(SessionRecordMixin, db.Model):
    """One signed-in browser session at the IdP: sign-out deletes it (cookie replay)."""

    __tablename__ = "browser_session"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)


class MailRequest(MailRequestMixin, db.Model):
    """A "send me a link" waiting for the mail sender (shared.mail_requests); deleted once resolved."""
