"""Lessons held, attendance marked in them, and the excuses families submit."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from gradebook_service.school.models import Pupil, SchoolClass, StaffMember, Subject
from shared.database import TimestampMixin, utcnow

PRESENT = "present"
ABSENT = "absent"
EXCUSED = "excused"
LATE = "late"
RELEASED = "released"
SCHOOL_DUTY = "school_duty"
#: The base attendance statuses (docs/architecture.md section 4); a school's own types map to one of them.
STATUSES = (PRESENT, ABSENT, EXCUSED, LATE, RELEASED, SCHOOL_DUTY)

PENDING = "pending"
ACCEPTED = "accepted"
REJECTED = "rejected"


class Lesson(SchoolKeyed, TimestampMixin, db.Model):
    """A lesson that took place: class, subject, teacher, date, period and topic.

    The teacher is part of its identity: two teachers may teach one class the same
    subject in the same period (each a group of it), and each records their own lesson.
    """

    __tablename__ = "lesson"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "class_id", "date", "period_number", "subject_id",
                            "teacher_id", name="uq_lesson_slot_teacher"),
        sa.Index("ix_lesson_school_teacher_date", "school_id", "teacher_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subject.id"))
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    date: Mapped[date]
    period_number: Mapped[int]
    topic: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Consecutive number of this subject's lesson in the class this year (as the paper register).
    number: Mapped[int | None]

    school_class: Mapped[SchoolClass] = school_relationship()
    subject: Mapped[Subject] = school_relationship()
    teacher: Mapped[StaffMember] = school_relationship()


class Attendance(SchoolKeyed, db.Model):
    """A pupil's attendance in one lesson (date and subject copied for per-pupil reports)."""

    __tablename__ = "attendance"
    __table_args__ = (
        sa.CheckConstraint(
            "status in ('present', 'absent', 'excused', 'late', 'released', 'school_duty')",
            name="status"),
        sa.UniqueConstraint("school_id", "lesson_id", "pupil_id"),
        sa.Index("ix_attendance_school_pupil_date", "school_id", "pupil_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subject.id"))
    date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(12))
    #: A school's own attendance type (School.settings["attendance_types"]), mapped to ``status``.
    type_code: Mapped[str | None] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lesson: Mapped[Lesson] = school_relationship()
    pupil: Mapped[Pupil] = school_relationship()


class Excuse(SchoolKeyed, TimestampMixin, db.Model):
    """A family's excuse (usprawiedliwienie) for one or more absences, decided by the homeroom teacher."""

    __tablename__ = "excuse"
    __table_args__ = (
        sa.CheckConstraint("status in ('pending', 'accepted', 'rejected')", name="status"),
        sa.Index("ix_excuse_school_pupil", "school_id", "pupil_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))
    submitted_by_account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(sa.String(300))

    pupil: Mapped[Pupil] = school_relationship()
    #: Who submitted it: the homeroom teacher's list names them.
    submitted_by: Mapped[SchoolAccount] = school_relationship()
    items: Mapped[list[ExcuseItem]] = school_relationship(back_populates="excuse")
    decided_by: Mapped[StaffMember | None] = school_relationship()


class ExcuseItem(SchoolKeyed, db.Model):
    """One absence an excuse covers."""

    __tablename__ = "excuse_item"
    __table_args__ = (sa.UniqueConstraint("school_id", "excuse_id", "attendance_id"),
                      sa.Index("ix_excuse_item_school_attendance", "school_id", "attendance_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    excuse_id: Mapped[int] = mapped_column(sa.ForeignKey("excuse.id"))
    attendance_id: Mapped[int] = mapped_column(sa.ForeignKey("attendance.id"))

    excuse: Mapped[Excuse] = school_relationship(back_populates="items")
    attendance: Mapped[Attendance] = school_relationship()
