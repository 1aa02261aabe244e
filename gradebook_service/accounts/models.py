"""School accounts: the logins a school issues to parents, pupils and staff."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from gradebook_service.school.models import Guardianship, Pupil, StaffMember, new_ref
from shared.database import TimestampMixin
from shared.mail_requests import MailRequestMixin
from shared.session_records import SessionRecordMixin

PARENT = "parent"
PUPIL = "pupil"
STAFF = "staff"


class SchoolAccount(SchoolKeyed, TimestampMixin, db.Model):
    """One login: a parent login per pupil–guardian pair, one per pupil, one per staff member."""

    __tablename__ = "school_account"
    __table_args__ = (
        sa.CheckConstraint("role in ('parent', 'pupil', 'staff')", name="role"),
        sa.Index("ix_school_account_school_role", "school_id", "role"),
        # One account per person: ids are unique across schools, so per school loses nothing.
        sa.UniqueConstraint("school_id", "guardianship_id"),
        sa.UniqueConstraint("school_id", "pupil_id"),
        sa.UniqueConstraint("school_id", "staff_id"),
        sa.UniqueConstraint("school_id", "login"),
        sa.UniqueConstraint("school_id", "ref"),
        sa.Index("ix_school_account_login", "login"),  # sign-in: by login alone
        sa.Index("ix_school_account_ref", "ref"),  # the IdP names accounts by ref alone
    )
    #: Unique across schools (sign-in does not know the school) through the key directory.
    __directory__ = ("login", "ref")

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    #: 7 random digits for parents, the first guardian's digits + "u" for pupils.
    login: Mapped[str] = mapped_column(sa.String(32))
    #: Opaque reference given to the IdP (never the row id or the login).
    ref: Mapped[str] = mapped_column(sa.String(32), default=new_ref)
    role: Mapped[str] = mapped_column(sa.String(10))
    guardianship_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guardianship.id"))
    pupil_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pupil.id"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"))

    #: None until a letter is printed: no password exists before it is on paper.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    password_changed_at: Mapped[datetime | None]
    must_change_password: Mapped[bool] = mapped_column(default=True)
    terms_version_accepted: Mapped[int | None]
    recovery_email: Mapped[str | None] = mapped_column(sa.String(320))
    recovery_email_verified_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Bumped when the password changes or is reset: ends every other session.
    session_version: Mapped[int] = mapped_column(default=1)
    #: TOTP secret, encrypted with a key derived from SECRET_KEY (None: no second factor).
    totp_secret_encrypted: Mapped[str | None] = mapped_column(sa.String(255))
    totp_enabled_at: Mapped[datetime | None]
    #: The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: How many passkeys the account holds (kept by gradebook_service.passkeys).
    passkey_count: Mapped[int] = mapped_column(default=0, server_default="0")

    guardianship: Mapped[Guardianship | None] = school_relationship()
    pupil: Mapped[Pupil | None] = school_relationship()
    staff: Mapped[StaffMember | None] = school_relationship()

    @property
    def is_staff(self) -> bool:
        return self.role == STAFF

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret_encrypted is not None

    @property
    def display_name(self) -> str:
        """The person's name as shown in headers and sent to the IdP."""
        if self.role == STAFF and self.staff is not None:
            return self.staff.full_name
        if self.role == PARENT and self.guardianship is not None:
            return self.guardianship.guardian.full_name
        if self.role == PUPIL and self.pupil is not None:
            return self.pupil.full_name
        return self.login

    def family_pupil(self) -> Pupil | None:
        """The pupil a family account belongs to (the child for a parent, the pupil themself)."""
        if self.role == PARENT and self.guardianship is not None:
            return self.guardianship.pupil
        if self.role == PUPIL:
            return self.pupil
        return None


class SignInSession(SchoolKeyed, SessionRecordMixin, db.Model):
    """One signed-in browser session of a school account: sign-out deletes it (cookie replay)."""

    __tablename__ = "sign_in_session"
    __table_args__ = (sa.Index("ix_sign_in_session_school_account", "school_id", "account_id"),)

    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id", ondelete="CASCADE"))


class RecoveryCode(SchoolKeyed, db.Model):
    """A single-use code that replaces the second factor once (stored hashed)."""

    __tablename__ = "recovery_code"
    __table_args__ = (sa.Index("ix_recovery_code_school_account", "school_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]


class TermsVersion(SchoolKeyed, TimestampMixin, db.Model):
    """One published version of a school's terms of use (regulamin); the newest is current."""

    __tablename__ = "terms_version"
    __table_args__ = (sa.UniqueConstraint("school_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    version: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_account.id"))


class LetterIssue(SchoolKeyed, TimestampMixin, db.Model):
    """A password printed on a letter for one account: who printed it, when, and its hand-over."""

    __tablename__ = "letter_issue"
    __table_args__ = (
        sa.CheckConstraint("kind in ('welcome', 'reset')", name="kind"),
        sa.Index("ix_letter_issue_school_account", "school_id", "account_id"),
        sa.Index("ix_letter_issue_school_handed", "school_id", "handed_over_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    kind: Mapped[str] = mapped_column(sa.String(10), default="welcome")
    printed_at: Mapped[datetime]
    printed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_account.id"))
    #: Set when the password on this letter is replaced by a newer one (the letter is void).
    superseded_at: Mapped[datetime | None]
    handed_over_at: Mapped[datetime | None]
    handed_over_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_account.id"))
    #: Who signed for it (the guardian's name as written on the receipt).
    received_by: Mapped[str | None] = mapped_column(sa.String(200))

    account: Mapped[SchoolAccount] = school_relationship(foreign_keys=[account_id])
    printed_by: Mapped[SchoolAccount | None] = school_relationship(foreign_keys=[printed_by_id])
    handed_over_by: Mapped[SchoolAccount | None] = school_relationship(foreign_keys=[handed_over_by_id])


class PasswordResetRequest(SchoolKeyed, TimestampMixin, db.Model):
    """A reported lost login/password, recorded by staff and resolved by the administrator."""

    __tablename__ = "password_reset_request"
    __table_args__ = (
        sa.CheckConstraint("status in ('open', 'done', 'cancelled')", name="status"),
        sa.Index("ix_password_reset_request_school_status", "school_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    reported_by_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_account.id"))
    resolved_at: Mapped[datetime | None]

    account: Mapped[SchoolAccount] = school_relationship(foreign_keys=[account_id])
    reported_by: Mapped[SchoolAccount] = school_relationship(foreign_keys=[reported_by_id])
    resolved_by: Mapped[SchoolAccount | None] = school_relationship(foreign_keys=[resolved_by_id])


class LetterJob(SchoolKeyed, TimestampMixin, db.Model):
    """A batch of letters printed in the background, with its progress and (encrypted) result.

    The PDF carries plaintext passwords: it is stored encrypted with a key derived
    from the deployment secret, only its creator may download it, and it is erased
    on the first download.
    """

    __tablename__ = "letter_job"
    __table_args__ = (
        sa.CheckConstraint("status in ('pending', 'running', 'done', 'failed')", name="status"),
        sa.Index("ix_letter_job_school_created", "school_id", "created_at"),
        # Unique per school: a job is only ever watched from its own school's pages.
        sa.UniqueConstraint("school_id", "public_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    public_id: Mapped[str] = mapped_column(sa.String(32), default=new_ref)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    description: Mapped[str] = mapped_column(sa.String(200))
    selection: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    pdf_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    finished_at: Mapped[datetime | None]
    downloaded_at: Mapped[datetime | None]


class MailRequest(MailRequestMixin, db.Model):
    """A "send me a link" waiting for the mail sender (shared.mail_requests); deleted once resolved."""
