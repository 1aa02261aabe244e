"""Moje wpisy: what a staff member has given — homework, tests and events, announcements,
remarks and grade columns — newest first, one kind per page, for editing and deleting.

Each page costs two queries (the count and the page with its class, subject and pupil
joined), whatever the number of entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.announcements.models import Announcement
from gradebook_service.calendar.models import Event
from gradebook_service.extensions import db
from gradebook_service.grades.models import Assessment, GradeCategory
from gradebook_service.homework.models import Homework
from gradebook_service.remarks.models import Remark
from gradebook_service.school.models import Pupil, SchoolClass, Subject

PAGE_SIZE = 25
KINDS = {"homework": _l("Homework"), "event": _l("Tests and events"),
         "announcement": _l("Announcements"), "remark": _l("Remarks"),
         "assessment": _l("Grade columns")}


@dataclass
class Entry:
    """One row of the list: where it went, what it says, when, and where to change it."""

    id: int
    day: date
    where: str
    text: str
    created_at: datetime
    edited_at: datetime | None


def _query(kind: str, account: SchoolAccount) -> tuple[sa.Select, sa.ColumnElement]:
    """(the row query, its newest-first order) for one kind of entry of ``account``."""
    school, me = account.school_id, account.staff_id
    if kind == "homework":
        return (sa.select(Homework.id, Homework.due_on, SchoolClass.name, Subject.name,
                          Homework.description, Homework.created_at, Homework.edited_at)
                .join(SchoolClass, SchoolClass.id == Homework.class_id)
                .join(Subject, Subject.id == Homework.subject_id)
                .where(Homework.school_id == school, Homework.teacher_id == me), Homework.id)
    if kind == "event":
        return (sa.select(Event.id, Event.date, SchoolClass.name, Subject.name, Event.title,
                          Event.created_at, Event.edited_at)
                .join(SchoolClass, SchoolClass.id == Event.class_id)
                .outerjoin(Subject, Subject.id == Event.subject_id)
                .where(Event.school_id == school, Event.teacher_id == me), Event.id)
    if kind == "announcement":
        return (sa.select(Announcement.id, Announcement.valid_from, SchoolClass.name,
                          sa.null(), Announcement.title, Announcement.created_at,
                          Announcement.edited_at)
                .outerjoin(SchoolClass, SchoolClass.id == Announcement.class_id)
                .where(Announcement.school_id == school, Announcement.author_id == me),
                Announcement.id)
    if kind == "remark":
        return (sa.select(Remark.id, Remark.date, SchoolClass.name,
                          Pupil.first_name + " " + Pupil.last_name, Remark.text,
                          Remark.created_at, Remark.edited_at)
                .join(Pupil, Pupil.id == Remark.pupil_id)
                .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)
                .where(Remark.school_id == school, Remark.teacher_id == me), Remark.id)
    return (sa.select(Assessment.id, Assessment.date, SchoolClass.name, Subject.name,
                      GradeCategory.name + sa.case((Assessment.description != "",
                                                    ": " + Assessment.description), else_=""),
                      Assessment.created_at, Assessment.edited_at)
            .join(SchoolClass, SchoolClass.id == Assessment.class_id)
            .join(Subject, Subject.id == Assessment.subject_id)
            .join(GradeCategory, GradeCategory.id == Assessment.category_id)
            .where(Assessment.school_id == school, Assessment.teacher_id == me), Assessment.id)


def my_entries(account: SchoolAccount, kind: str, page: int,
               size: int = PAGE_SIZE) -> tuple[list[Entry], int]:
    """One page of the account's entries of ``kind`` (newest first) and how many there are."""
    query, newest = _query(kind, account)
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.order_by(newest.desc()).limit(size)
                              .offset((page - 1) * size))
    entries = [Entry(id_, day, " · ".join(x for x in (class_name, detail) if x), text or "",
                     created, edited)
               for id_, day, class_name, detail, text, created, edited in rows]
    return entries, total
