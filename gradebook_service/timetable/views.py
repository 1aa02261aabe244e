"""The family's week plan with that week's changes; the planners' page for the changes."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import login_required
from gradebook_service.extensions import db
from gradebook_service.school.models import SchoolClass, StaffMember, Subject
from gradebook_service.timetable.models import CHANGE_KINDS, TimetableChange
from gradebook_service.timetable.services import (
    ChangeError,
    class_plan,
    monday_of,
    save_change,
    upcoming_changes,
)
from gradebook_service.web import dates
from gradebook_service.web.family import family_context
from gradebook_service.web.staff import staff_account
from shared.collation import order_by_name

bp = Blueprint("timetable", __name__, template_folder="templates")


@bp.app_template_filter("room")
def room_label(room: str | None) -> str:
    """``sala 12`` for a numbered room, a named one as it is ("sala gimn.", not "sala sala gimn.")."""
    room = (room or "").strip()
    return _("room %(room)s", room=room) if room[:1].isdigit() else room


@bp.get("/family/timetable")
@login_required
def family():
    """Plan lekcji: the class's week (``?week=YYYY-MM-DD``), substitutions and cancellations shown."""
    ctx = family_context()
    # At the weekend, the coming week is the one families want to see.
    default = ctx.today + timedelta(days=2) if ctx.today.weekday() >= 5 else ctx.today
    monday = monday_of(dates.date_arg("week", default))
    slots = class_plan(ctx.school.id, ctx.pupil.class_id, monday, days=5, year=ctx.year)
    days = [(monday + timedelta(days=i), [s for s in slots if s.date == monday + timedelta(days=i)])
            for i in range(5)]
    return render_template("timetable/family.html", ctx=ctx, active="timetable", days=days,
                           monday=monday, previous=monday - timedelta(days=7),
                           following=monday + timedelta(days=7))


def _planner():
    """The administrator or secretary (who plan substitutions); anyone else gets 404."""
    account = staff_account()
    if not (account.staff.is_admin or account.staff.is_secretary):
        abort(404)
    return account


@bp.route("/staff/timetable/changes", methods=["GET", "POST"])
@login_required
def changes():
    """Substitutions, cancellations and room changes for given dates (admin, secretary)."""
    account = _planner()
    error = None
    if request.method == "POST":
        klass = db.session.execute(sa.select(SchoolClass).where(
            SchoolClass.id == (request.form.get("class_id", type=int) or 0),
            SchoolClass.school_id == account.school_id)).scalar_one_or_none()
        if klass is None:
            abort(404)
        try:
            day = date.fromisoformat(request.form.get("date", ""))
            save_change(account.school_id, klass.id, day,
                        request.form.get("period", type=int) or 1, request.form.get("kind", ""),
                        request.form.get("teacher_id", type=int),
                        request.form.get("subject_id", type=int),
                        request.form.get("room"), request.form.get("note"))
        except ValueError:
            error = _("Give the date.")
        except ChangeError as exc:
            error = exc.message
        else:
            flash(_("Change saved."), "success")
            return redirect(url_for("timetable.changes"), code=303)
    school_id = account.school_id
    return render_template(
        "timetable/changes.html", error=error, form=request.form, kinds=CHANGE_KINDS,
        today=dates.today(), rows=upcoming_changes(school_id, dates.today()),
        classes=db.session.execute(sa.select(SchoolClass).where(
            SchoolClass.school_id == school_id).order_by(SchoolClass.name)).scalars().all(),
        teachers=db.session.execute(sa.select(StaffMember).where(
            StaffMember.school_id == school_id, StaffMember.is_teacher)
            .order_by(*order_by_name(StaffMember.last_name, StaffMember.first_name))).scalars().all(),
        subjects=db.session.execute(sa.select(Subject).where(
            Subject.school_id == school_id).order_by(Subject.name)).scalars().all(),
    ), (422 if error else 200)


@bp.post("/staff/timetable/changes/<int:change_id>/delete")
@login_required
def delete_change(change_id: int):
    """Remove a change (the regular lesson applies again)."""
    account = _planner()
    change = db.session.get(TimetableChange, change_id)
    if change is None or change.school_id != account.school_id:
        abort(404)
    db.session.delete(change)
    flash(_("Change removed."), "success")
    return redirect(url_for("timetable.changes"), code=303)
