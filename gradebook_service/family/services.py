"""The home page's badges (what is new since the last visit) and the lucky number."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from gradebook_service.announcements.models import Announcement, AnnouncementRead
from gradebook_service.announcements.services import visible_condition
from gradebook_service.calendar import lucky
from gradebook_service.calendar.models import Event
from gradebook_service.extensions import db
from gradebook_service.grades.models import Grade
from gradebook_service.grades.services import new_grades
from gradebook_service.homework.models import Homework
from gradebook_service.homework.services import new_homework
from gradebook_service.lessons.models import ABSENT, LATE, Attendance
from gradebook_service.messages.services import unread_count_query
from gradebook_service.remarks.models import Remark
from gradebook_service.school.models import StaffMember, Subject, TeachingAssignment
from gradebook_service.web.family import FamilyContext, last_visits, new_since
from gradebook_service.web.models import SECTIONS
from shared.collation import order_by_name


def badges(ctx: FamilyContext) -> dict[str, int]:
    """Counts for the home page (two queries whatever the data).

    "New" is what each section's page marks as new (``new_since`` the last visit, with the
    section's own condition); tests and events count what is ahead, seen or not.
    """
    seen = last_visits(ctx)
    school_id, pupil_id, class_id = ctx.account.school_id, ctx.pupil.id, ctx.pupil.class_id
    since = {s: new_since(seen.get(s)) for s in SECTIONS}
    horizon = ctx.today + timedelta(days=14)
    unread = sa.select(AnnouncementRead.id).where(
        AnnouncementRead.school_id == school_id, AnnouncementRead.account_id == ctx.account.id,
        AnnouncementRead.announcement_id == Announcement.id)

    def count(q):
        return sa.select(sa.func.count()).select_from(q.subquery()).scalar_subquery()

    row = db.session.execute(sa.select(
        count(sa.select(Grade.id).where(Grade.school_id == school_id, Grade.pupil_id == pupil_id,
                                        new_grades(school_id, ctx.year.id, since["grades"]))),
        count(sa.select(Attendance.id).where(
            Attendance.school_id == school_id, Attendance.pupil_id == pupil_id,
            Attendance.status.in_((ABSENT, LATE)), Attendance.updated_at > since["attendance"],
            Attendance.date >= ctx.year.starts_on)),
        count(sa.select(Homework.id).where(
            Homework.school_id == school_id, Homework.class_id == class_id,
            new_homework(since["homework"], ctx.today))),
        count(sa.select(Event.id).where(
            Event.school_id == school_id, Event.class_id == class_id, Event.date >= ctx.today,
            Event.date <= horizon)),
        count(sa.select(Announcement.id).where(
            Announcement.school_id == school_id, Announcement.valid_from <= ctx.today,
            Announcement.valid_until >= ctx.today,
            visible_condition(ctx.account, class_id), ~sa.exists(unread))),
        count(sa.select(Remark.id).where(Remark.school_id == school_id,
                                         Remark.pupil_id == pupil_id,
                                         Remark.created_at > since["remarks"])),
        unread_count_query(ctx.account),
    )).one()
    return dict(zip(("grades", "attendance", "homework", "calendar", "announcements", "remarks",
                     "messages"),
                    row, strict=True))


def lucky_number(ctx: FamilyContext) -> int | None:
    """The class's lucky number of the day (calendar/lucky.py)."""
    return lucky.lucky_number(ctx.account.school_id, ctx.pupil.class_id, ctx.today)


def class_teachers(school_id: int, class_id: int) -> list[tuple[str, StaffMember]]:
    """(subject name, teacher) for a class."""
    return [tuple(r) for r in db.session.execute(
        sa.select(Subject.name, StaffMember)
        .join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
        .join(StaffMember, StaffMember.id == TeachingAssignment.teacher_id)
        .where(TeachingAssignment.school_id == school_id, TeachingAssignment.class_id == class_id)
        .order_by(*order_by_name(Subject.name, StaffMember.last_name)))]


def school_teachers(school_id: int) -> list[tuple[StaffMember, list[str]]]:
    """Every teacher of the school with what (subject — class) they teach."""
    teaching: dict[int, tuple[StaffMember, list[str]]] = {}
    for member in db.session.execute(sa.select(StaffMember).where(
            StaffMember.school_id == school_id, StaffMember.is_teacher)
            .order_by(*order_by_name(StaffMember.last_name, StaffMember.first_name))).scalars():
        teaching[member.id] = (member, [])
    from gradebook_service.school.models import SchoolClass

    for teacher_id, subject, klass in db.session.execute(
            sa.select(TeachingAssignment.teacher_id, Subject.name, SchoolClass.name)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
            .where(TeachingAssignment.school_id == school_id)
            .order_by(Subject.name, SchoolClass.name)):
        if teacher_id in teaching:
            teaching[teacher_id][1].append(f"{subject} ({klass})")
    return list(teaching.values())
