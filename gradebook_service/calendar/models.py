"""Events in the Terminarz."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from gradebook_service.school.models import StaffMember, Subject
from shared.database import utcnow

TEST = "test"
QUIZ = "quiz"
TRIP = "trip"
MEETING = "meeting"
OTHER = "other"
KINDS = (TEST, QUIZ, TRIP, MEETING, OTHER)


class Event(SchoolKeyed, db.Model):
    """An announced test, quiz, trip, parent-teacher meeting or other event for a class."""

    __tablename__ = "event"
    __table_args__ = (
        sa.CheckConstraint("kind in ('test', 'quiz', 'trip', 'meeting', 'other')", name="kind"),
        sa.Index("ix_event_school_class_date", "school_id", "class_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subject.id"))
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    date: Mapped[date]
    period_number: Mapped[int | None]
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the author (or the administrator) last edited it: families see "changed on …".
    edited_at: Mapped[datetime | None]

    subject: Mapped[Subject | None] = school_relationship()
    teacher: Mapped[StaffMember] = school_relationship()
