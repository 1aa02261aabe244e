"""Terminarz: the family's month or week calendar and the teacher's form with the cap warning."""

from __future__ import annotations

import calendar as cal
from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import login_required
from gradebook_service.calendar import services
from gradebook_service.calendar.models import Event
from gradebook_service.web import dates
from gradebook_service.web.family import family_context, mark_visited
from gradebook_service.web.staff import (
    own_entry_or_404,
    parse_target,
    school_of,
    staff_account,
    taught_or_404,
    teaching_options,
)

bp = Blueprint("calendar", __name__, template_folder="templates")


@bp.get("/family/calendar")
@login_required
def family():
    """The class's tests and events as a month grid (``?month=YYYY-MM``) or a week list."""
    ctx = family_context()
    mark_visited(ctx, "calendar")
    view = "week" if request.args.get("view") == "week" else "month"
    try:
        first = date.fromisoformat(request.args.get("month", "") + "-01")
    except ValueError:
        first = ctx.today.replace(day=1)
    if view == "week":
        start = ctx.today - timedelta(days=ctx.today.weekday())
        try:
            start = date.fromisoformat(request.args.get("week", ""))
            start -= timedelta(days=start.weekday())
        except ValueError:
            pass
        end = start + timedelta(days=6)
    else:
        weeks = cal.Calendar().monthdatescalendar(first.year, first.month)
        start, end = weeks[0][0], weeks[-1][-1]
    events = services.class_events(ctx.school.id, ctx.pupil.class_id, start, end)
    by_day: dict[date, list] = {}
    for event, subject, teacher in events:
        by_day.setdefault(event.date, []).append((event, subject, teacher))
    context = dict(ctx=ctx, active="calendar", by_day=by_day, view=view, first=first,
                   labels=services.KIND_LABELS, events=events)
    if view == "week":
        context.update(start=start, days=[start + timedelta(days=i) for i in range(7)],
                       previous=start - timedelta(days=7), following=start + timedelta(days=7))
    else:
        context.update(weeks=weeks, previous=(first - timedelta(days=1)).strftime("%Y-%m"),
                       following=(first + timedelta(days=32)).strftime("%Y-%m"))
    return render_template("calendar/family.html", **context)


@bp.route("/staff/events/new", methods=["GET", "POST"])
@login_required
def new():
    """Announce a test or event; over the school's cap, warn and ask to confirm."""
    account = staff_account()
    school = school_of(account)
    error, warnings = None, []
    if request.method == "POST":
        class_id, subject_id = parse_target(request.form.get("target"))
        taught_or_404(account, class_id, subject_id)
        try:
            day = date.fromisoformat(request.form.get("date", ""))
        except ValueError:
            error = _("Give the date.")
        else:
            try:
                services.add_event(account, school, class_id, request.form.get("kind", ""), day,
                                   request.form.get("title", ""),
                                   request.form.get("description", ""), subject_id=subject_id,
                                   period_number=request.form.get("period", type=int),
                                   confirm_over_cap=request.form.get("confirm") == "1")
            except services.CapExceeded as exc:
                warnings = exc.warnings
            except services.EventError as exc:
                error = exc.message
            else:
                flash(_("Event saved."), "success")
                return redirect(url_for("calendar.new"), code=303)
    return render_template("calendar/new.html", options=teaching_options(account), error=error,
                           warnings=warnings, form=request.form, labels=services.KIND_LABELS,
                           hard=services.caps(school)["hard_cap"], today=dates.today()
                           ), (422 if error or warnings else 200)


@bp.route("/staff/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    """Change a test or event (its author or the administrator; others 404); moving a test
    onto a full day or week warns as announcing one does."""
    account = staff_account()
    event = own_entry_or_404(account, Event, event_id)
    school = school_of(account)
    error, warnings = None, []
    if request.method == "POST":
        try:
            day = date.fromisoformat(request.form.get("date", ""))
        except ValueError:
            error = _("Give the date.")
        else:
            try:
                changed = services.update_event(
                    account, school, event, request.form.get("kind", ""), day,
                    request.form.get("title", ""), request.form.get("description", ""),
                    period_number=request.form.get("period", type=int),
                    confirm_over_cap=request.form.get("confirm") == "1")
            except services.CapExceeded as exc:
                warnings = exc.warnings
            except services.EventError as exc:
                error = exc.message
            else:
                flash(_("Event saved.") if changed else _("Nothing was changed."), "success")
                return redirect(url_for("staff.entries", kind="event"), code=303)
    form = request.form if request.method == "POST" else {
        "kind": event.kind, "date": event.date.isoformat(), "title": event.title,
        "description": event.description, "period": event.period_number or ""}
    return render_template("calendar/edit.html", event=event, error=error, warnings=warnings,
                           form=form, labels=services.KIND_LABELS,
                           hard=services.caps(school)["hard_cap"]
                           ), (422 if error or warnings else 200)


@bp.post("/staff/events/<int:event_id>/delete")
@login_required
def delete(event_id: int):
    """Delete a test or event (recorded in the change log); families no longer see it."""
    account = staff_account()
    services.delete_event(account, own_entry_or_404(account, Event, event_id))
    flash(_("Event deleted."), "success")
    return redirect(url_for("staff.entries", kind="event"), code=303)
