"""Grade categories, assessments (grid columns), grades, and proposed/final term and year grades."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from gradebook_service.school.models import StaffMember, Subject
from shared.database import utcnow

TERM = "term"
YEAR = "year"
PROPOSED = "proposed"
FINAL = "final"


class GradeCategory(SchoolKeyed, db.Model):
    """A kind of assessment with its default weight (sprawdzian 5, kartkówka 3 …)."""

    __tablename__ = "grade_category"
    __table_args__ = (sa.UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    name: Mapped[str] = mapped_column(sa.String(60))
    weight: Mapped[int] = mapped_column(default=1)
    #: False for categories shown but never averaged (e.g. a diagnostic test).
    counts_to_average: Mapped[bool] = mapped_column(default=True)
    #: The colour its grades are shown in (a name from grades/categories.py COLOURS), so
    #: families tell tests from homework at a glance.
    colour: Mapped[str] = mapped_column(sa.String(7), default="blue")
    #: A deactivated category keeps its grades but is not offered for new columns.
    active: Mapped[bool] = mapped_column(default=True)
    #: Part of the family grades page's fingerprint: a changed weight or colour shows at once.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assessment(SchoolKeyed, db.Model):
    """One column of a class's grid for a subject and term: category, weight, date, description."""

    __tablename__ = "assessment"
    __table_args__ = (
        sa.Index("ix_assessment_school_class_subject_term", "school_id", "class_id", "subject_id",
                 "term_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subject.id"))
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"))
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("grade_category.id"))
    weight: Mapped[int]
    date: Mapped[date]
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the author (or the administrator) last edited it: families see "changed on …".
    edited_at: Mapped[datetime | None]

    category: Mapped[GradeCategory] = school_relationship()
    teacher: Mapped[StaffMember] = school_relationship()
    subject: Mapped[Subject] = school_relationship()


class Grade(SchoolKeyed, db.Model):
    """A pupil's mark in an assessment, as entered (``4+``, ``np`` …)."""

    __tablename__ = "grade"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "assessment_id", "pupil_id"),
        sa.Index("ix_grade_school_pupil_term", "school_id", "pupil_id", "term_id"),
        sa.Index("ix_grade_school_pupil_created", "school_id", "pupil_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessment.id"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subject.id"))
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"))
    value: Mapped[str] = mapped_column(sa.String(4))
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessment: Mapped[Assessment] = school_relationship()


class FinalGrade(SchoolKeyed, db.Model):
    """A proposed or final term (śródroczna) or year (roczna) grade, a whole number 1–6."""

    __tablename__ = "final_grade"
    __table_args__ = (
        sa.CheckConstraint("value between 1 and 6", name="value"),
        sa.CheckConstraint("period in ('term', 'year') and stage in ('proposed', 'final')",
                           name="kind"),
        sa.UniqueConstraint("school_id", "pupil_id", "school_year_id", "subject_id", "period",
                            "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))
    school_year_id: Mapped[int] = mapped_column(sa.ForeignKey("school_year.id"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subject.id"))
    period: Mapped[str] = mapped_column(sa.String(5))
    stage: Mapped[str] = mapped_column(sa.String(8))
    value: Mapped[int]
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DescriptiveGrade(SchoolKeyed, db.Model):
    """A descriptive term or year assessment (ocena opisowa) of early education, instead of 1–6.

    Kept apart from FinalGrade so no average, report or API can read a text as a number.
    """

    __tablename__ = "descriptive_grade"
    __table_args__ = (
        sa.CheckConstraint("period in ('term', 'year')", name="period"),
        sa.UniqueConstraint("school_id", "pupil_id", "school_year_id", "subject_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))
    school_year_id: Mapped[int] = mapped_column(sa.ForeignKey("school_year.id"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subject.id"))
    period: Mapped[str] = mapped_column(sa.String(5))
    text: Mapped[str] = mapped_column(sa.Text)
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
