"""Pupils who move or leave: the list of pupils, moving mid-year, skreślenie, grace periods."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.extensions import db
from gradebook_service.roster.enrolment import (
    EnrolmentError,
    history,
    leave_school,
    move_pupil,
)
from gradebook_service.roster.register_numbers import register_order
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import ClassGroup, Pupil, SchoolClass
from gradebook_service.setup import forms
from gradebook_service.setup.changes import record_setup
from gradebook_service.setup.context import admin, admin_required, current_year, school
from gradebook_service.setup.views.blueprint import bp
from gradebook_service.web import dates

#: The longest grace or retention period a school may set (ten years).
MAX_DAYS = 3650


def _pupil_or_404(pupil_id: int) -> Pupil:
    """A pupil of the administrator's school (another school's pupil is never revealed)."""
    pupil = db.session.execute(sa.select(Pupil).where(
        Pupil.id == pupil_id, Pupil.school_id == admin().school_id)).scalar_one_or_none()
    if pupil is None:
        abort(404)
    return pupil


def _actor() -> str:
    return admin().login


@bp.get("/pupils")
@admin_required
def pupils():
    """Everyone on the list now, by class, and who left (with the family's last day)."""
    settings = school()
    return _pupils_page(forms.RetentionForm(
        leaving_grace_days=str(settings.leaving_grace_days),
        graduate_retention_days=str(settings.graduate_retention_days)))


def _pupils_page(form: forms.RetentionForm, status: int = 200):
    """The list page (three queries whatever the number of pupils)."""
    year = current_year()
    school_id = admin().school_id
    rows = db.session.execute(
        sa.select(Pupil, SchoolClass.name).join(SchoolClass, SchoolClass.id == Pupil.class_id)
        .where(Pupil.school_id == school_id, SchoolClass.school_year_id == year.id)).all()
    rows.sort(key=lambda r: (r[1], register_order(r[0])))
    left = sorted(db.session.execute(sa.select(Pupil).where(
        Pupil.school_id == school_id, Pupil.left_on.is_not(None))).scalars(),
        key=lambda p: (p.left_on, register_order(p)), reverse=True)
    return render_template("setup/pupils.html", year=year, rows=rows, left=left,
                           form=form), status


@bp.post("/pupils/retention")
@admin_required
def pupils_retention():
    """Set how long families keep reading the register after leaving or graduating."""
    form = forms.RetentionForm()
    values = {}
    if form.validate_on_submit():
        for name in ("leaving_grace_days", "graduate_retention_days"):
            text = (getattr(form, name).data or "").strip()
            if text.isdigit() and 0 <= int(text) <= MAX_DAYS:
                values[name] = int(text)
            else:
                getattr(form, name).errors.append(
                    _("A whole number of days from 0 to %(max)d.", max=MAX_DAYS))
    if form.errors or len(values) != 2:
        return _pupils_page(form, 422)
    row = school()
    old = {k: getattr(row, k) for k in values}
    for key, value in values.items():
        setattr(row, key, value)
    record_setup(admin(), "school", row.id, "update", old, values)
    flash(_("Access periods saved."), "success")
    return redirect(url_for("setup.pupils"))


def _move_form(pupil: Pupil, year_id: int) -> forms.MoveForm:
    form = forms.MoveForm()
    classes = db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_id == pupil.school_id, SchoolClass.school_year_id == year_id)
        .order_by(SchoolClass.level, SchoolClass.name)).scalars().all()
    form.class_id.choices = forms.options((c.id, c.name) for c in classes)
    groups = db.session.execute(
        sa.select(ClassGroup, SchoolClass.name).join(SchoolClass,
                                                     SchoolClass.id == ClassGroup.class_id)
        .where(ClassGroup.school_id == pupil.school_id,
               SchoolClass.school_year_id == year_id)
        .order_by(SchoolClass.name, ClassGroup.name)).all()
    form.group_ids.choices = forms.options((g.id, f"{name} · {g.name}") for g, name in groups)
    if request.method == "GET":
        form.class_id.data = pupil.class_id
        form.on.data = dates.today()
    return form


@bp.route("/pupils/<int:pupil_id>/move", methods=["GET", "POST"])
@admin_required
def pupil_move(pupil_id: int):
    """Move a pupil to another class or group from a date; both enrolments are kept."""
    pupil = _pupil_or_404(pupil_id)
    year = current_year()
    if pupil.class_id is None:
        abort(404)
    form = _move_form(pupil, year.id)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            target = get_owned(SchoolClass, pupil.school_id, form.class_id.data)
            try:
                move_pupil(pupil, target, set(form.group_ids.data or []), form.on.data,
                           today=dates.today(), actor=_actor())
            except EnrolmentError as exc:
                form.on.errors.append(exc.message)
            else:
                flash(_("%(name)s moved to %(class)s.", name=pupil.full_name,
                        **{"class": target.name}), "success")
                return redirect(url_for("setup.pupils"))
        status = 422
    return render_template("setup/pupil_move.html", pupil=pupil, form=form,
                           history=history(pupil.school_id, pupil.id)), status


@bp.route("/pupils/<int:pupil_id>/leave", methods=["GET", "POST"])
@admin_required
def pupil_leave(pupil_id: int):
    """Strike a pupil off the list (skreślenie) on a date; the family keeps a grace period."""
    pupil = _pupil_or_404(pupil_id)
    if pupil.class_id is None:
        abort(404)
    form = forms.LeaveForm()
    if request.method == "GET":
        form.on.data = dates.today()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                until = leave_school(pupil, form.on.data, form.reason.data, actor=_actor())
            except EnrolmentError as exc:
                form.on.errors.append(exc.message)
            else:
                flash(_("%(name)s is off the list; the family can read the register until "
                        "%(day)s.", name=pupil.full_name, day=until.isoformat()), "success")
                return redirect(url_for("setup.pupils"))
        status = 422
    return render_template("setup/pupil_leave.html", pupil=pupil, form=form,
                           grace=school().leaving_grace_days), status
