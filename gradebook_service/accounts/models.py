"""School accounts: the logins a school issues to parents, pupils and staff."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gradebook_service.extensions import db
from gradebook_service.school.models import Guardianship, Pupil, StaffMember, new_ref
from shared.database import TimestampMixin

PARENT = "parent"
PUPIL = "pupil"
STAFF = "staff"


class SchoolAccount(TimestampMixin, db.Model):
    """One login: a parent login per pupil–guardian pair, one per pupil, one per staff member."""

    __tablename__ = "school_account"
    __table_args__ = (
        sa.CheckConstraint("role in ('parent', 'pupil', 'staff')", name="role"),
        sa.Index("ix_school_account_school_role", "school_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    #: 7 random digits for parents, the first guardian's digits + "u" for pupils.
    login: Mapped[str] = mapped_column(sa.String(32), unique=True)
    #: Opaque reference given to the IdP (never the row id or the login).
    ref: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_ref)
    role: Mapped[str] = mapped_column(sa.String(10))
    guardianship_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guardianship.id"),
                                                        unique=True)
    pupil_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pupil.id"), unique=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"), unique=True)

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

    guardianship: Mapped[Guardianship | None] = relationship()
    pupil: Mapped[Pupil | None] = relationship()
    staff: Mapped[StaffMember | None] = relationship()

    @property
    def is_staff(self) -> bool:
        return self.role == STAFF

    def family_pupil(self) -> Pupil | None:
        """The pupil a family account belongs to (the child for a parent, the pupil themself)."""
        if self.role == PARENT and self.guardianship is not None:
            return self.guardianship.pupil
        if self.role == PUPIL:
            return self.pupil
        return None
