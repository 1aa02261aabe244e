"""Classes of the current year (name, homeroom teacher), their groups, register numbers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.forms import ConfirmForm
from gradebook_service.roster.register_numbers import register_order, renumber_class
from gradebook_service.school.classes import (
    ClassSetupError,
    active_teachers,
    class_groups,
    class_of,
    classes_with_counts,
    create_class,
    group_of,
    save_group,
    update_class,
)
from gradebook_service.school.models import SchoolClass
from gradebook_service.setup import forms
from gradebook_service.setup.changes import record_setup, snapshot
from gradebook_service.setup.context import admin, admin_required, current_year, found_or_404
from gradebook_service.setup.views.blueprint import bp

CLASS_FIELDS = ("name", "level", "homeroom_teacher_id")


def _class_form(**kwargs) -> forms.ClassForm:
    form = forms.ClassForm(**kwargs)
    form.homeroom_teacher_id.choices = forms.options([(0, _("— not yet —"))] + [
        (m.id, f"{m.last_name} {m.first_name}") for m in active_teachers(admin().school_id)])
    return form


@bp.route("/classes", methods=["GET", "POST"])
@admin_required
def classes():
    """The classes of the current year; add a class."""
    year = current_year()
    form = _class_form()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                row = create_class(year, form.name.data, form.homeroom_teacher_id.data or None)
            except ClassSetupError as exc:
                form.name.errors.append(exc.message)
            else:
                record_setup(admin(), "school_class", row.id, "create", None,
                             snapshot(row, *CLASS_FIELDS))
                flash(_("Class %(name)s added.", name=row.name), "success")
                return redirect(url_for("setup.classes"))
        status = 422
    return render_template("setup/classes.html", year=year, form=form,
                           rows=classes_with_counts(admin().school_id, year.id)), status


def _class_or_404(class_id: int) -> SchoolClass:
    return found_or_404(class_of(admin().school_id, class_id))


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@admin_required
def class_edit(class_id: int):
    """Rename a class, name its homeroom teacher; its groups and register numbers."""
    row = _class_or_404(class_id)
    form = _class_form(obj=row if request.method == "GET" else None)
    if request.method == "GET":
        form.homeroom_teacher_id.data = row.homeroom_teacher_id or 0
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            old = snapshot(row, *CLASS_FIELDS)
            try:
                update_class(row, form.name.data, form.homeroom_teacher_id.data or None)
            except ClassSetupError as exc:
                form.name.errors.append(exc.message)
            else:
                record_setup(admin(), "school_class", row.id, "update", old,
                             snapshot(row, *CLASS_FIELDS))
                flash(_("Class %(name)s saved.", name=row.name), "success")
                return redirect(url_for("setup.class_edit", class_id=row.id))
        status = 422
    pupils = sorted(row.pupils, key=lambda p: (p.register_number or 10**6, register_order(p)))
    return render_template("setup/class_edit.html", row=row, form=form, pupils=pupils,
                           groups=class_groups(admin().school_id, row.id),
                           confirm=ConfirmForm()), status


@bp.post("/classes/<int:class_id>/renumber")
@admin_required
def class_renumber(class_id: int):
    """Number the class register 1…n again, in Polish alphabetical order."""
    row = _class_or_404(class_id)
    if ConfirmForm().validate_on_submit():
        changes = renumber_class(admin().school_id, row.id)
        for pupil_id, (old, new) in changes.items():
            record_setup(admin(), "register_number", pupil_id, "update",
                         {"register_number": old}, {"register_number": new}, pupil_id=pupil_id)
        flash(_("Register numbers of %(name)s: %(n)d changed.", name=row.name, n=len(changes)),
              "success")
    return redirect(url_for("setup.class_edit", class_id=row.id))


def _group_form(row: SchoolClass, **kwargs) -> forms.GroupForm:
    form = forms.GroupForm(**kwargs)
    form.pupils.choices = forms.options(
        (p.id, f"{p.register_number or '–'}. {p.last_name} {p.first_name}")
        for p in sorted(row.pupils, key=register_order))
    return form


@bp.route("/classes/<int:class_id>/groups/new", methods=["GET", "POST"], endpoint="group_new")
@bp.route("/classes/<int:class_id>/groups/<int:group_id>", methods=["GET", "POST"])
@admin_required
def group_edit(class_id: int, group_id: int | None = None):
    """A group within the class (language, religion/ethics …) and the pupils in it."""
    row = _class_or_404(class_id)
    group = found_or_404(group_of(admin().school_id, group_id)) if group_id else None
    if group is not None and group.class_id != row.id:
        found_or_404(None)
    members = next((m for g, m in class_groups(admin().school_id, row.id)
                    if group and g.id == group.id), set())
    form = _group_form(row) if request.method == "POST" else _group_form(
        row, name=group.name if group else "", pupils=sorted(members))
    if request.method == "POST":
        if form.validate_on_submit():
            old_name = group.name if group else None
            try:
                saved, old = save_group(row, form.name.data, set(form.pupils.data or []), group)
            except ClassSetupError as exc:
                form.name.errors.append(exc.message)
            else:
                record_setup(admin(), "class_group", saved.id,
                             "update" if group else "create",
                             {"name": old_name, "pupils": sorted(old)} if group else None,
                             {"name": saved.name, "pupils": sorted(form.pupils.data or [])})
                flash(_("Group %(name)s saved.", name=saved.name), "success")
                return redirect(url_for("setup.class_edit", class_id=row.id))
        return render_template("setup/group_edit.html", row=row, group=group, form=form), 422
    return render_template("setup/group_edit.html", row=row, group=group, form=form)
