"""Attendance: the family page and excuses; the teacher's lesson screen; the homeroom's decisions."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import login_required
from gradebook_service.lessons import services
from gradebook_service.lessons.models import EXCUSED
from gradebook_service.web.family import family_context, mark_visited
from gradebook_service.web.staff import school_of, staff_account

bp = Blueprint("lessons", __name__, template_folder="templates")


@bp.app_template_filter("attendance_status")
def attendance_status(code: str | None) -> str:
    """An attendance status code in the reader's language (the change log shows ``absent``)."""
    label = services.STATUS_LABELS.get(code)
    return str(label[0]) if label else (code or "")


# --- families ------------------------------------------------------------------------------

@bp.get("/family/attendance")
@login_required
def family_attendance():
    """Attendance by day (a chosen month) and by subject with percentages; the excuses."""
    ctx = family_context()
    mark_visited(ctx, "attendance")
    month = request.args.get("month", "")
    try:
        start = date.fromisoformat(month + "-01")
    except ValueError:
        start = ctx.today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    records = services.pupil_attendance(ctx.school.id, ctx.pupil.id, start, end, topics=True)
    days: dict[date, list] = {}
    for record, subject, period, topic in records:
        symbol, label = services.status_symbol(ctx.school, record.status, record.type_code)
        days.setdefault(record.date, []).append((period, subject, record.status, symbol, label,
                                                 topic))
    overall, subjects = services.attendance_summary(ctx.school.id, ctx.pupil.id, ctx.year)
    previous = (start - timedelta(days=1)).strftime("%Y-%m")
    following = (end + timedelta(days=1)).strftime("%Y-%m")
    return render_template("lessons/family_attendance.html", ctx=ctx, active="attendance",
                           days=sorted(days.items(), reverse=True), overall=overall,
                           subjects=subjects, month=start, previous=previous,
                           following=following,
                           excuses=services.family_excuses(ctx.school.id, ctx.pupil.id),
                           labels=services.STATUS_LABELS)


@bp.route("/family/excuses/new", methods=["GET", "POST"])
@login_required
def excuse_new():
    """Excuse one or more absences with a reason."""
    ctx = family_context()
    absences = services.excusable_absences(ctx.school.id, ctx.pupil.id)
    error = None
    chosen: list[int] = []
    if request.method == "POST":
        chosen = [int(v) for v in request.form.getlist("absence") if v.isdigit()]
        try:
            services.submit_excuse(ctx.account, ctx.pupil, chosen, request.form.get("reason", ""))
        except services.ExcuseError as exc:
            error = exc.message
        else:
            flash(_("The excuse was sent to the homeroom teacher."), "success")
            return redirect(url_for("lessons.family_attendance"), code=303)
    return render_template("lessons/excuse_new.html", ctx=ctx, active="attendance",
                           absences=absences, error=error, chosen=chosen,
                           reason=request.form.get("reason", "")), (422 if error else 200)


# --- teachers ------------------------------------------------------------------------------

@bp.post("/staff/lessons/open")
@login_required
def open_lesson():
    """Open (or reopen) a lesson from the teacher's timetable."""
    account = staff_account()
    try:
        lesson = services.open_lesson(
            account, request.form.get("class_id", type=int) or 0,
            request.form.get("subject_id", type=int) or 0,
            date.fromisoformat(request.form.get("date", "")),
            request.form.get("period", type=int) or 0)
    except ValueError:
        abort(400)
    except services.LessonError as error:
        flash(str(error.message), "error")
        return redirect(url_for("staff.home"), code=303)
    return redirect(url_for("lessons.edit", lesson_id=lesson.id), code=303)


@bp.route("/staff/lessons/<int:lesson_id>", methods=["GET", "POST"])
@login_required
def edit(lesson_id: int):
    """Topic and attendance of a lesson in one screen (everyone present by default)."""
    account = staff_account()
    lesson = services.lesson_for_teacher(account, lesson_id)
    if lesson is None:
        abort(404)
    school = school_of(account)
    error = None
    if request.method == "POST":
        marks = {int(k[2:]): v for k, v in request.form.items()
                 if k.startswith("a-") and k[2:].isdigit()}
        try:
            services.save_lesson(account, school, lesson, request.form.get("topic", ""), marks)
        except services.LessonError as exc:
            error = exc.message
        else:
            flash(_("Lesson saved."), "success")
            return redirect(url_for("lessons.edit", lesson_id=lesson.id), code=303)
    rows = services.lesson_attendance(lesson)
    return render_template("lessons/edit.html", lesson=lesson, rows=rows, error=error,
                           types=services.attendance_types(school), excused=EXCUSED,
                           form=request.form if request.method == "POST" else None
                           ), (422 if error else 200)


@bp.get("/staff/excuses")
@login_required
def excuses():
    """Excuses waiting for the homeroom teacher's decision."""
    account = staff_account()
    return render_template("lessons/excuses.html", excuses=services.homeroom_excuses(account))


@bp.post("/staff/excuses/<int:excuse_id>")
@login_required
def decide(excuse_id: int):
    """Accept or reject an excuse (homeroom teacher of the pupil only)."""
    account = staff_account()
    excuse = services.excuse_for_homeroom(account, excuse_id)
    if excuse is None:
        abort(404)
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        abort(400)
    try:
        services.decide_excuse(account, excuse, decision == "accept", request.form.get("note"))
    except services.ExcuseError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Excuse accepted.") if decision == "accept" else _("Excuse rejected."), "success")
    return redirect(url_for("lessons.excuses"), code=303)


