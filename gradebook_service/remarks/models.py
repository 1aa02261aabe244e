"""Positive and negative remarks, and proposed/final behaviour grades per term and year."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from gradebook_service.school.models import StaffMember
from shared.database import utcnow

#: Behaviour grades from best to worst (wzorowe … naganne).
BEHAVIOUR_GRADES = ("exemplary", "very_good", "good", "correct", "unsatisfactory",
                    "reprehensible")


class Remark(SchoolKeyed, db.Model):
    """A remark about a pupil: positive or negative, with a category and text."""

    __tablename__ = "remark"
    __table_args__ = (
        sa.CheckConstraint("kind in ('positive', 'negative')", name="kind"),
        sa.Index("ix_remark_school_pupil_date", "school_id", "pupil_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    date: Mapped[date]
    kind: Mapped[str] = mapped_column(sa.String(8))
    category: Mapped[str] = mapped_column(sa.String(60))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the author (or the administrator) last edited it: families see "changed on …".
    edited_at: Mapped[datetime | None]

    teacher: Mapped[StaffMember] = school_relationship()


class BehaviourGrade(SchoolKeyed, db.Model):
    """A proposed or final behaviour grade for the term or the year."""

    __tablename__ = "behaviour_grade"
    __table_args__ = (
        sa.CheckConstraint("period in ('term', 'year') and stage in ('proposed', 'final')",
                           name="kind"),
        sa.UniqueConstraint("school_id", "pupil_id", "school_year_id", "period", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))
    school_year_id: Mapped[int] = mapped_column(sa.ForeignKey("school_year.id"))
    period: Mapped[str] = mapped_column(sa.String(5))
    stage: Mapped[str] = mapped_column(sa.String(8))
    value: Mapped[str] = mapped_column(sa.String(16))
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
