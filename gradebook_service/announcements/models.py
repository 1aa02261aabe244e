"""Announcements and who has read them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from gradebook_service.school.models import StaffMember
from shared.database import utcnow

EVERYONE = "everyone"
CLASS = "class"
PARENTS = "parents"
TEACHERS = "teachers"
AUDIENCES = (EVERYONE, CLASS, PARENTS, TEACHERS)


class Announcement(SchoolKeyed, db.Model):
    """A notice valid between two dates for an audience (a class: its pupils and parents)."""

    __tablename__ = "announcement"
    __table_args__ = (
        sa.CheckConstraint("audience in ('everyone', 'class', 'parents', 'teachers')",
                           name="audience"),
        sa.Index("ix_announcement_school_valid", "school_id", "valid_until", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    audience: Mapped[str] = mapped_column(sa.String(10))
    class_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_class.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the author (or the administrator) last edited it: families see "changed on …".
    edited_at: Mapped[datetime | None]

    author: Mapped[StaffMember] = school_relationship()


class AnnouncementRead(SchoolKeyed, db.Model):
    """An account has opened an announcement (for the unread badge)."""

    __tablename__ = "announcement_read"
    __table_args__ = (sa.UniqueConstraint("school_id", "account_id", "announcement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    announcement_id: Mapped[int] = mapped_column(sa.ForeignKey("announcement.id"))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
