"""When a family account last looked at each part of the register (for the "new" badges)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed

#: Parts of the register with a "new since your last visit" badge.
SECTIONS = ("grades", "attendance", "homework", "calendar", "remarks")


class SectionVisit(SchoolKeyed, db.Model):
    """The last time an account opened a section; what came later is "new"."""

    __tablename__ = "section_visit"
    __table_args__ = (sa.UniqueConstraint("school_id", "account_id", "pupil_id", "section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))
    section: Mapped[str] = mapped_column(sa.String(12))
    seen_at: Mapped[datetime]
