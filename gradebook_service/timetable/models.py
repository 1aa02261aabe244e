"""Lesson periods, the weekly timetable and its per-date changes."""

from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from gradebook_service.school.models import SchoolClass, StaffMember, Subject

SUBSTITUTION = "substitution"
CANCELLATION = "cancellation"
ROOM_CHANGE = "room_change"
CHANGE_KINDS = (SUBSTITUTION, CANCELLATION, ROOM_CHANGE)


class LessonPeriod(SchoolKeyed, db.Model):
    """A numbered lesson with its bell times (1: 8:00–8:45 …)."""

    __tablename__ = "lesson_period"
    __table_args__ = (sa.UniqueConstraint("school_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    number: Mapped[int]
    starts_at: Mapped[time]
    ends_at: Mapped[time]


class TimetableEntry(SchoolKeyed, db.Model):
    """One weekly slot of a class: weekday (1 = Monday), period, subject, teacher, room."""

    __tablename__ = "timetable_entry"
    __table_args__ = (
        sa.Index("ix_timetable_entry_school_year_slot", "school_id", "school_year_id", "weekday",
                 "period_number"),
        sa.Index("ix_timetable_entry_school_teacher", "school_id", "teacher_id", "weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    school_year_id: Mapped[int] = mapped_column(sa.ForeignKey("school_year.id"))
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))
    weekday: Mapped[int]
    period_number: Mapped[int]
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subject.id"))
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    room: Mapped[str | None] = mapped_column(sa.String(20))
    #: The group of the class the lesson is for (a language group …); None for the whole class.
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("class_group.id"))

    school_class: Mapped[SchoolClass] = school_relationship()
    subject: Mapped[Subject] = school_relationship()
    teacher: Mapped[StaffMember] = school_relationship()


class TimetableChange(SchoolKeyed, db.Model):
    """A change for one date: a substitute teacher (and subject), a cancellation or another room."""

    __tablename__ = "timetable_change"
    __table_args__ = (
        sa.CheckConstraint("kind in ('substitution', 'cancellation', 'room_change')", name="kind"),
        sa.UniqueConstraint("school_id", "class_id", "date", "period_number"),
        sa.Index("ix_timetable_change_school_teacher_date", "school_id", "teacher_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))
    date: Mapped[date]
    period_number: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: The substitute (or the regular teacher for a room change); None for a cancellation.
    teacher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"))
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subject.id"))
    room: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(200))

    teacher: Mapped[StaffMember | None] = school_relationship()
    subject: Mapped[Subject | None] = school_relationship()
