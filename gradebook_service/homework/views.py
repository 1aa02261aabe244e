"""Homework: the family list and the teacher's form."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import login_required
from gradebook_service.homework import services
from gradebook_service.homework.models import Homework
from gradebook_service.web import dates
from gradebook_service.web.family import family_context, mark_visited, new_since
from gradebook_service.web.staff import (
    own_entry_or_404,
    parse_target,
    staff_account,
    taught_or_404,
    teaching_options,
)

bp = Blueprint("homework", __name__, template_folder="templates")


@bp.get("/family/homework")
@login_required
def family():
    """Homework of the pupil's class from the last week on."""
    ctx = family_context()
    previous = mark_visited(ctx, "homework")
    items = services.class_homework(ctx.school.id, ctx.pupil.class_id,
                                    ctx.today - timedelta(days=7), new_since(previous), ctx.today)
    return render_template("homework/family.html", ctx=ctx, active="homework", items=items)


@bp.route("/staff/homework/new", methods=["GET", "POST"])
@login_required
def new():
    """Set homework for a class the teacher teaches."""
    account = staff_account()
    options = teaching_options(account)
    error = None
    if request.method == "POST":
        class_id, subject_id = parse_target(request.form.get("target"))
        taught_or_404(account, class_id, subject_id)
        try:
            due = date.fromisoformat(request.form.get("due_on", ""))
        except ValueError:
            error = _("Give the due date.")
        else:
            try:
                services.add_homework(account, class_id, subject_id, dates.today(), due,
                                      request.form.get("description", ""))
            except services.HomeworkError as exc:
                error = exc.message
            else:
                flash(_("Homework saved."), "success")
                return redirect(url_for("homework.new"), code=303)
    return render_template("homework/new.html", options=options, error=error, form=request.form,
                           today=dates.today()), (422 if error else 200)


@bp.route("/staff/homework/<int:homework_id>/edit", methods=["GET", "POST"])
@login_required
def edit(homework_id: int):
    """Change homework's due date or text (its author or the administrator; others 404)."""
    account = staff_account()
    item = own_entry_or_404(account, Homework, homework_id)
    error = None
    if request.method == "POST":
        try:
            due = date.fromisoformat(request.form.get("due_on", ""))
        except ValueError:
            error = _("Give the due date.")
        else:
            try:
                changed = services.update_homework(account, item, due,
                                                   request.form.get("description", ""))
            except services.HomeworkError as exc:
                error = exc.message
            else:
                flash(_("Homework saved.") if changed else _("Nothing was changed."), "success")
                return redirect(url_for("staff.entries", kind="homework"), code=303)
    form = request.form if request.method == "POST" else {
        "due_on": item.due_on.isoformat(), "description": item.description}
    return render_template("homework/edit.html", item=item, error=error, form=form
                           ), (422 if error else 200)


@bp.post("/staff/homework/<int:homework_id>/delete")
@login_required
def delete(homework_id: int):
    """Delete homework (recorded in the change log); families no longer see it."""
    account = staff_account()
    services.delete_homework(account, own_entry_or_404(account, Homework, homework_id))
    flash(_("Homework deleted."), "success")
    return redirect(url_for("staff.entries", kind="homework"), code=303)
