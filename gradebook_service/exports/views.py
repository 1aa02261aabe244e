"""Feed URLs (no session: the private token is the credential), the reset, and the PDF."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import current_account, login_required
from gradebook_service.accounts.models import STAFF
from gradebook_service.exports import services
from gradebook_service.grades.services import pupil_grades
from gradebook_service.timetable.services import class_plan, monday_of, teacher_plan
from gradebook_service.web import dates
from gradebook_service.web.family import family_context

bp = Blueprint("exports", __name__)

ICS = "text/calendar; charset=utf-8"


def _ics(body: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = ICS
    response.headers["Cache-Control"] = "private, max-age=900"
    return response


@bp.get("/feeds/<token>/timetable.ics")
def timetable_ics(token: str):
    """The timetable (last week to four weeks ahead, changes applied) as iCalendar."""
    account = services.account_for_token(token)
    if account is None:
        abort(404)
    start = monday_of(dates.today()) - timedelta(days=7)
    if account.role == STAFF:
        slots = teacher_plan(account.school_id, account.staff_id, start, days=35)
    else:
        pupil = account.family_pupil()
        if pupil is None:
            abort(404)
        slots = class_plan(account.school_id, pupil.class_id, start, days=35)
    return _ics(services.calendar_document(_("Timetable"),
                                           services.timetable_events(slots, request.host)))


@bp.get("/feeds/<token>/terminarz.ics")
def calendar_ics(token: str):
    """The class's tests and events as iCalendar (families only)."""
    account = services.account_for_token(token)
    pupil = account.family_pupil() if account is not None else None
    if pupil is None:
        abort(404)
    return _ics(services.calendar_document(
        _("Calendar"), services.terminarz_events(account.school_id, pupil.class_id, dates.today(),
                                                 request.host)))


@bp.post("/feeds/reset")
@login_required
def reset_feed():
    """Issue new feed URLs (the old ones stop working)."""
    account = current_account()
    services.reset_feed_token(account)
    flash(_("New calendar addresses were created; the old ones no longer work."), "success")
    target = "staff.home" if account.role == STAFF else "family.settings"
    return redirect(url_for(target), code=303)


@bp.get("/family/grades.pdf")
@login_required
def grades_pdf():
    """The pupil's grades summary as a printable PDF."""
    ctx = family_context()
    rows = pupil_grades(ctx.school, ctx.pupil, ctx.year)
    body = services.grades_pdf(ctx.school.name, ctx.pupil.full_name, ctx.school_class.name,
                               ctx.year.name, rows)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="oceny.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


