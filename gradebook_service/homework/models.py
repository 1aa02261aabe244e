"""Homework (zadanie domowe)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from gradebook_service.school.models import StaffMember, Subject
from shared.database import utcnow


class Homework(SchoolKeyed, db.Model):
    """Homework for a class: subject, due date and what to do."""

    __tablename__ = "homework"
    __table_args__ = (sa.Index("ix_homework_school_class_due", "school_id", "class_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subject.id"))
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    assigned_on: Mapped[date]
    due_on: Mapped[date]
    description: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the author (or the administrator) last edited it: families see "changed on …".
    edited_at: Mapped[datetime | None]

    subject: Mapped[Subject] = school_relationship()
    teacher: Mapped[StaffMember] = school_relationship()
