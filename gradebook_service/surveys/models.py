"""Surveys, their questions, who has answered, and the answers.

Anonymity is kept by the schema (docs: issue 13): :class:`SurveyAnswered` says
*who* answered and nothing of *what*; :class:`SurveyResponse` holds *what* and,
for an anonymous survey, nothing of *who* — no account, no time, and a random id,
so neither a join nor the order of ids or times links the two tables.
"""

from __future__ import annotations

import secrets
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from gradebook_service.school.models import StaffMember
from shared.database import TimestampMixin

SINGLE = "single"
MULTIPLE = "multiple"
TEXT = "text"
QUESTION_KINDS = (SINGLE, MULTIPLE, TEXT)

SCHOOL = "school"
CLASS = "class"
PARENTS = "parents"
PUPILS = "pupils"
AUDIENCES = (SCHOOL, CLASS, PARENTS, PUPILS)


def random_id() -> str:
    """A random row id: unlike a sequence, it does not tell in which order rows came."""
    return secrets.token_hex(16)


class Survey(SchoolKeyed, TimestampMixin, db.Model):
    """A survey for an audience, open between two dates, anonymous or named."""

    __tablename__ = "survey"
    __table_args__ = (
        sa.CheckConstraint("audience in ('school', 'class', 'parents', 'pupils')",
                           name="audience"),
        sa.Index("ix_survey_school_closes", "school_id", "closes_on", "opens_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    anonymous: Mapped[bool] = mapped_column(default=True)
    audience: Mapped[str] = mapped_column(sa.String(10))
    class_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_class.id"))
    opens_on: Mapped[date]
    closes_on: Mapped[date]

    author: Mapped[StaffMember] = school_relationship()
    questions: Mapped[list[SurveyQuestion]] = school_relationship(
        order_by="SurveyQuestion.position", cascade="all, delete-orphan")


class SurveyQuestion(SchoolKeyed, db.Model):
    """One question: single choice, multiple choice or free text."""

    __tablename__ = "survey_question"
    __table_args__ = (
        sa.CheckConstraint("kind in ('single', 'multiple', 'text')", name="kind"),
        sa.UniqueConstraint("school_id", "survey_id", "position"),
        sa.ForeignKeyConstraint(["school_id", "survey_id"], ["survey.school_id", "survey.id"],
                                ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    survey_id: Mapped[int]
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(10))
    text: Mapped[str] = mapped_column(sa.String(500))
    required: Mapped[bool] = mapped_column(default=True)

    options: Mapped[list[SurveyOption]] = school_relationship(
        order_by="SurveyOption.position", cascade="all, delete-orphan")


class SurveyOption(SchoolKeyed, db.Model):
    """A choice of a single- or multiple-choice question."""

    __tablename__ = "survey_option"
    __table_args__ = (sa.UniqueConstraint("school_id", "question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_question.id",
                                                           ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(300))


class SurveyAnswered(SchoolKeyed, db.Model):
    """The mark that an account has answered a survey: so it answers once. Says nothing of what."""

    __tablename__ = "survey_answered"
    __table_args__ = (
        sa.PrimaryKeyConstraint("school_id", "survey_id", "account_id"),
        sa.ForeignKeyConstraint(["school_id", "survey_id"], ["survey.school_id", "survey.id"],
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["school_account.id"], ondelete="CASCADE"),
    )

    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    survey_id: Mapped[int]
    account_id: Mapped[int]


class SurveyResponse(SchoolKeyed, db.Model):
    """One filled-in survey. ``respondent_id`` is set only for a named survey; no timestamp."""

    __tablename__ = "survey_response"
    __table_args__ = (
        sa.Index("ix_survey_response_school_survey", "school_id", "survey_id"),
        sa.ForeignKeyConstraint(["school_id", "survey_id"], ["survey.school_id", "survey.id"],
                                ondelete="CASCADE"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=random_id)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    survey_id: Mapped[int]
    #: No ``ON DELETE SET NULL``: on a key joined by school it would null ``school_id`` too;
    #: accounts are deactivated, never deleted, so a named response keeps its respondent.
    respondent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_account.id"))


class SurveyAnswer(SchoolKeyed, db.Model):
    """One answer: a chosen option (one row per choice) or a free text."""

    __tablename__ = "survey_answer"
    __table_args__ = (
        sa.Index("ix_survey_answer_school_question", "school_id", "question_id"),
        sa.Index("ix_survey_answer_school_response", "school_id", "response_id"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=random_id)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    response_id: Mapped[str] = mapped_column(sa.ForeignKey("survey_response.id",
                                                           ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_question.id",
                                                           ondelete="CASCADE"))
    option_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_option.id",
                                                                ondelete="CASCADE"))
    text: Mapped[str | None] = mapped_column(sa.Text)
