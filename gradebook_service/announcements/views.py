"""Announcements: the family list (marks them read) and the staff form."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import login_required
from gradebook_service.announcements import services
from gradebook_service.announcements.models import AUDIENCES, CLASS
from gradebook_service.web import dates
from gradebook_service.web.family import family_context
from gradebook_service.web.staff import staff_account, visible_class_or_404, visible_classes

bp = Blueprint("announcements", __name__, template_folder="templates")


@bp.get("/family/announcements")
@login_required
def family():
    """Valid announcements for this family; opening the page marks them read."""
    ctx = family_context()
    items = services.current_announcements(ctx.account, ctx.pupil.class_id, ctx.today)
    services.mark_read(ctx.account, [a.id for a, _author, is_read in items if not is_read])
    return render_template("announcements/family.html", ctx=ctx, active="announcements",
                           items=items)


@bp.route("/staff/announcements/new", methods=["GET", "POST"])
@login_required
def new():
    """Publish an announcement to everyone, a class, parents or teachers."""
    account = staff_account()
    classes = visible_classes(account)
    error = None
    if request.method == "POST":
        audience = request.form.get("audience", "")
        class_id = request.form.get("class_id", type=int) if audience == CLASS else None
        if class_id is not None:
            visible_class_or_404(account, class_id)
        try:
            start = date.fromisoformat(request.form.get("valid_from", ""))
            end = date.fromisoformat(request.form.get("valid_until", ""))
        except ValueError:
            error = _("Give both validity dates.")
        else:
            try:
                services.publish(account, audience, class_id, request.form.get("title", ""),
                                 request.form.get("body", ""), start, end)
            except services.AnnouncementError as exc:
                error = exc.message
            else:
                flash(_("Announcement published."), "success")
                return redirect(url_for("announcements.new"), code=303)
    return render_template("announcements/new.html", classes=classes, error=error,
                           form=request.form, audiences=AUDIENCES, today=dates.today()
                           ), (422 if error else 200)
