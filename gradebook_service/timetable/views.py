"""The family's week plan with the changes of that week."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template

from gradebook_service.accounts.access import login_required
from gradebook_service.family.context import family_context
from gradebook_service.staff.context import date_arg
from gradebook_service.timetable.services import class_plan, monday_of

bp = Blueprint("timetable", __name__, template_folder="templates")


@bp.get("/family/timetable")
@login_required
def family():
    """Plan lekcji: the class's week (``?week=YYYY-MM-DD``), substitutions and cancellations shown."""
    ctx = family_context()
    # At the weekend, the coming week is the one families want to see.
    default = ctx.today + timedelta(days=2) if ctx.today.weekday() >= 5 else ctx.today
    monday = monday_of(date_arg("week", default))
    slots = class_plan(ctx.school.id, ctx.pupil.class_id, monday, days=5, year=ctx.year)
    days = [(monday + timedelta(days=i), [s for s in slots if s.date == monday + timedelta(days=i)])
            for i in range(5)]
    return render_template("timetable/family.html", ctx=ctx, active="timetable", days=days,
                           monday=monday, previous=monday - timedelta(days=7),
                           following=monday + timedelta(days=7))
