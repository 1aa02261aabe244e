"""Announcements: the family list (marks them read) and the staff form."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import login_required
from gradebook_service.announcements import receipts, services
from gradebook_service.announcements.models import AUDIENCES, CLASS, Announcement
from gradebook_service.web import dates
from gradebook_service.web.family import family_context
from gradebook_service.web.staff import (
    own_entry_or_404,
    staff_account,
    visible_class_or_404,
    visible_classes,
)

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


@bp.route("/staff/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(announcement_id: int):
    """Change an announcement (its author or the administrator; others 404)."""
    account = staff_account()
    item = own_entry_or_404(account, Announcement, announcement_id, author="author_id")
    classes = visible_classes(account)
    error = None
    if request.method == "POST":
        audience = request.form.get("audience", "")
        class_id = request.form.get("class_id", type=int) if audience == CLASS else None
        if class_id is not None and class_id != item.class_id:
            visible_class_or_404(account, class_id)
        try:
            start = date.fromisoformat(request.form.get("valid_from", ""))
            end = date.fromisoformat(request.form.get("valid_until", ""))
        except ValueError:
            error = _("Give both validity dates.")
        else:
            try:
                changed = services.update(account, item, audience, class_id,
                                          request.form.get("title", ""),
                                          request.form.get("body", ""), start, end)
            except services.AnnouncementError as exc:
                error = exc.message
            else:
                flash(_("Announcement saved.") if changed else _("Nothing was changed."),
                      "success")
                return redirect(url_for("staff.entries", kind="announcement"), code=303)
    form = request.form if request.method == "POST" else {
        "audience": item.audience, "class_id": str(item.class_id or ""), "title": item.title,
        "body": item.body, "valid_from": item.valid_from.isoformat(),
        "valid_until": item.valid_until.isoformat()}
    return render_template("announcements/edit.html", item=item, classes=classes, error=error,
                           form=form, audiences=AUDIENCES), (422 if error else 200)


@bp.post("/staff/announcements/<int:announcement_id>/delete")
@login_required
def delete(announcement_id: int):
    """Delete an announcement (recorded in the change log); families no longer see it."""
    account = staff_account()
    services.delete(account, own_entry_or_404(account, Announcement, announcement_id,
                                              author="author_id"))
    flash(_("Announcement deleted."), "success")
    return redirect(url_for("staff.entries", kind="announcement"), code=303)


@bp.get("/staff/announcements/<int:announcement_id>/reads")
@login_required
def reads(announcement_id: int):
    """Who of the announcement's audience has read it and who not (``?page=``), for its
    author and the administrator."""
    account = staff_account()
    item = own_entry_or_404(account, Announcement, announcement_id, author="author_id")
    page = max(request.args.get("page", 1, type=int), 1)
    return render_template("announcements/reads.html", item=item, page=page,
                           summary=receipts.summary(item),
                           rows=receipts.readers(item, page, receipts.PAGE_SIZE),
                           page_size=receipts.PAGE_SIZE)
