"""The teacher's dashboard: today's lessons from the timetable, classes, waiting excuses."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from gradebook_service.accounts.access import login_required
from gradebook_service.announcements.services import current_announcements
from gradebook_service.exports.services import feed_token
from gradebook_service.extensions import db
from gradebook_service.lessons.models import Lesson
from gradebook_service.lessons.services import homeroom_excuses
from gradebook_service.school.models import SchoolClass, Subject, TeachingAssignment
from gradebook_service.school.years import NoSchoolYear
from gradebook_service.timetable.services import teacher_plan
from gradebook_service.web import dates
from gradebook_service.web.staff import staff_account

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates",
               static_folder="static", static_url_path="/static/staff")


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
    held = {(lesson.class_id, lesson.period_number, lesson.subject_id): lesson
            for lesson in db.session.execute(sa.select(Lesson).where(
                Lesson.school_id == account.school_id, Lesson.date == day,
                Lesson.teacher_id == account.staff_id)).scalars()}
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
    return render_template("staff/home.html", account=account, day=day, slots=slots, held=held,
                           assignments=assignments, led=led,
                           waiting=len(homeroom_excuses(account)),
                           announcements=current_announcements(account, None, day),
                           feed=feed_token(account, create=False))
