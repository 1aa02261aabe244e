"""Remarks and behaviour: the family page and the staff page of a class."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import login_required
from gradebook_service.remarks import services
from gradebook_service.remarks.models import BEHAVIOUR_GRADES, Remark
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import Pupil
from gradebook_service.school.years import school_year_for
from gradebook_service.web import dates
from gradebook_service.web.family import family_context, mark_visited
from gradebook_service.web.staff import own_entry_or_404, staff_account, visible_class_or_404

bp = Blueprint("remarks", __name__, template_folder="templates")


@bp.get("/family/remarks")
@login_required
def family():
    """The pupil's remarks and proposed/final behaviour grades."""
    ctx = family_context()
    mark_visited(ctx, "remarks")
    return render_template("remarks/family.html", ctx=ctx, active="remarks",
                           remarks=services.pupil_remarks(ctx.school.id, ctx.pupil.id),
                           behaviour=services.pupil_behaviour(ctx.school.id, ctx.pupil.id,
                                                              ctx.year.id),
                           labels=services.BEHAVIOUR_LABELS)


@bp.route("/staff/classes/<int:class_id>/remarks", methods=["GET", "POST"])
@login_required
def staff_class(class_id: int):
    """Add a remark for a pupil of the class; the homeroom teacher also sets behaviour grades."""
    account = staff_account()
    klass = visible_class_or_404(account, class_id)
    year = school_year_for(account.school_id, dates.today())
    is_homeroom = klass.homeroom_teacher_id == account.staff_id
    error = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "remark":
            pupil = get_owned(Pupil, klass.school_id, request.form.get("pupil_id", type=int))
            if pupil is None or pupil.class_id != klass.id or pupil.school_id != klass.school_id:
                abort(404)
            try:
                services.add_remark(account, pupil, request.form.get("kind", ""),
                                    request.form.get("category", ""),
                                    request.form.get("text", ""), dates.today())
            except services.RemarkError as exc:
                error = exc.message
        elif action == "behaviour" and is_homeroom:
            try:
                for p in klass.pupils:
                    for period in ("term", "year"):
                        for stage in ("proposed", "final"):
                            value = request.form.get(f"b-{p.id}-{period}-{stage}")
                            if value is not None:
                                services.set_behaviour(account, p, year, period, stage,
                                                       value or None)
            except services.RemarkError as exc:
                error = exc.message
        else:
            abort(404)
        if error is None:
            flash(_("Saved."), "success")
            return redirect(url_for("remarks.staff_class", class_id=class_id), code=303)
    return render_template("remarks/staff_class.html", klass=klass, is_homeroom=is_homeroom,
                           behaviour=services.class_behaviour(account.school_id, klass.id,
                                                              year.id),
                           grades=BEHAVIOUR_GRADES, labels=services.BEHAVIOUR_LABELS,
                           categories=services.REMARK_CATEGORIES, error=error,
                           form=request.form), (422 if error else 200)




@bp.route("/staff/remarks/<int:remark_id>/edit", methods=["GET", "POST"])
@login_required
def edit(remark_id: int):
    """Change a remark (its author or the administrator; others 404)."""
    account = staff_account()
    remark = own_entry_or_404(account, Remark, remark_id)
    error = None
    if request.method == "POST":
        try:
            changed = services.update_remark(account, remark, request.form.get("kind", ""),
                                             request.form.get("category", ""),
                                             request.form.get("text", ""))
        except services.RemarkError as exc:
            error = exc.message
        else:
            flash(_("Remark saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("staff.entries", kind="remark"), code=303)
    form = request.form if request.method == "POST" else {
        "kind": remark.kind, "category": remark.category, "text": remark.text}
    pupil = get_owned(Pupil, remark.school_id, remark.pupil_id)
    return render_template("remarks/edit.html", remark=remark, pupil=pupil, error=error,
                           form=form, categories=services.REMARK_CATEGORIES
                           ), (422 if error else 200)


@bp.post("/staff/remarks/<int:remark_id>/delete")
@login_required
def delete(remark_id: int):
    """Delete a remark (recorded in the change log); the family no longer sees it."""
    account = staff_account()
    services.delete_remark(account, own_entry_or_404(account, Remark, remark_id))
    flash(_("Remark deleted."), "success")
    return redirect(url_for("staff.entries", kind="remark"), code=303)
