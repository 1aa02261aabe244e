"""The teacher's dashboard: today's lessons from the timetable, classes, waiting excuses."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from gradebook_service.accounts.access import login_required
from gradebook_service.announcements.services import current_announcements, mark_read
from gradebook_service.exports.services import feed_token
from gradebook_service.extensions import db
from gradebook_service.lessons.models import Lesson
from gradebook_service.lessons.services import homeroom_excuses
from gradebook_service.school.free_days import free_dates
from gradebook_service.school.models import SchoolClass, Subject, TeachingAssignment
from gradebook_service.school.years import NoSchoolYear
from gradebook_service.staff.entries import KINDS, PAGE_SIZE, my_entries
from gradebook_service.timetable.services import monday_of, teacher_plan
from gradebook_service.web import dates
from gradebook_service.web.staff import staff_account

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates",
               static_folder="static", static_url_path="/static/staff")


def _held_lessons(account, start, end) -> dict[tuple, Lesson]:
    """The lessons the teacher recorded between two dates by (date, period, class, subject)."""
    return {(lesson.date, lesson.period_number, lesson.class_id, lesson.subject_id): lesson
            for lesson in db.session.execute(sa.select(Lesson).where(
                Lesson.school_id == account.school_id, Lesson.teacher_id == account.staff_id,
                Lesson.date >= start, Lesson.date <= end)).scalars()}


@bp.get("/")
@login_required
def home():
    """Today's lessons (``?date=`` for another day) with their state, and the teacher's classes."""
    account = staff_account()
    day = dates.date_arg("date", dates.today())
    try:
        slots = teacher_plan(account.school_id, account.staff_id, day)
    except NoSchoolYear:
        slots = []
    held = {(c, p, s): lesson for (_d, p, c, s), lesson
            in _held_lessons(account, day, day).items()}
    assignments = list(db.session.execute(
        sa.select(SchoolClass, Subject)
        .join(TeachingAssignment, TeachingAssignment.class_id == SchoolClass.id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .where(TeachingAssignment.school_id == account.school_id,
               TeachingAssignment.teacher_id == account.staff_id)
        .order_by(SchoolClass.name, Subject.name)))
    led = list(db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_id == account.school_id,
        SchoolClass.homeroom_teacher_id == account.staff_id)).scalars())
    announcements = current_announcements(account, None, day)
    # Staff read announcements here: the author's read receipts count them as read.
    mark_read(account, [a.id for a, _author, is_read in announcements if not is_read])
    return render_template("staff/home.html", account=account, day=day, slots=slots, held=held,
                           assignments=assignments, led=led,
                           waiting=len(homeroom_excuses(account)),
                           announcements=announcements,
                           feed=feed_token(account, create=False))


@bp.get("/entries")
@login_required
def entries():
    """Moje wpisy: what I gave, one kind at a time (``?kind=``, ``?page=``), with edit and
    delete links; the edit pages check authorship again."""
    account = staff_account()
    kind = request.args.get("kind", "homework")
    kind = kind if kind in KINDS else "homework"
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = my_entries(account, kind, page)
    return render_template("staff/entries.html", kind=kind, kinds=KINDS, rows=rows,
                           total=total, page=page, page_size=PAGE_SIZE)


@bp.get("/week")
@login_required
def week():
    """The teacher's week plan (``?week=YYYY-MM-DD``), Monday to Friday: own lessons and the
    substitutions taken, cancellations struck out, free days named, held lessons' topics.
    Four queries whatever the week holds (plan, changes, free days, lessons held)."""
    account = staff_account()
    today = dates.today()
    # At the weekend the coming week is the one a teacher prepares.
    monday = monday_of(dates.date_arg("week", today + timedelta(days=2)
                                      if today.weekday() >= 5 else today))
    friday = monday + timedelta(days=4)
    free = free_dates(account.school_id, monday, friday)
    try:
        slots = teacher_plan(account.school_id, account.staff_id, monday, days=5, free=free)
    except NoSchoolYear:
        slots = []
    days = [(day, free.get(day), [s for s in slots if s.date == day])
            for day in (monday + timedelta(days=i) for i in range(5))]
    return render_template("staff/week.html", days=days, today=today, monday=monday,
                           held=_held_lessons(account, monday, friday),
                           previous=monday - timedelta(days=7),
                           following=monday + timedelta(days=7))
