"""Subjects, and teaching assignments (teacher × class or group × subject)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.forms import ConfirmForm
from gradebook_service.school.classes import (
    ClassSetupError,
    active_teachers,
    add_assignment,
    assignment_of,
    classes_with_counts,
    groups_of_classes,
    remove_assignment,
    save_subject,
    subject_of,
    subjects,
    year_assignments,
)
from gradebook_service.setup import forms
from gradebook_service.setup.changes import record_setup, snapshot
from gradebook_service.setup.context import admin, admin_required, current_year, found_or_404
from gradebook_service.setup.views.blueprint import bp


@bp.route("/subjects", methods=["GET", "POST"])
@admin_required
def subjects_page():
    """The school's subjects; add one."""
    form = forms.SubjectForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                row = save_subject(admin().school_id, form.name.data, form.short_name.data)
            except ClassSetupError as exc:
                form.name.errors.append(exc.message)
            else:
                record_setup(admin(), "subject", row.id, "create", None,
                             snapshot(row, "name", "short_name"))
                flash(_("Subject %(name)s added.", name=row.name), "success")
                return redirect(url_for("setup.subjects_page"))
        status = 422
    return render_template("setup/subjects.html", form=form,
                           rows=subjects(admin().school_id)), status


@bp.route("/subjects/<int:subject_id>", methods=["GET", "POST"])
@admin_required
def subject_edit(subject_id: int):
    """Rename a subject."""
    row = found_or_404(subject_of(admin().school_id, subject_id))
    form = forms.SubjectForm(obj=row if request.method == "GET" else None)
    if request.method == "POST":
        if form.validate_on_submit():
            old = snapshot(row, "name", "short_name")
            try:
                save_subject(admin().school_id, form.name.data, form.short_name.data, row)
            except ClassSetupError as exc:
                form.name.errors.append(exc.message)
            else:
                record_setup(admin(), "subject", row.id, "update", old,
                             snapshot(row, "name", "short_name"))
                flash(_("Subject %(name)s saved.", name=row.name), "success")
                return redirect(url_for("setup.subjects_page"))
        return render_template("setup/subject_edit.html", row=row, form=form), 422
    return render_template("setup/subject_edit.html", row=row, form=form)


def _assignment_form() -> forms.AssignmentForm:
    school_id, year = admin().school_id, current_year()
    form = forms.AssignmentForm()
    class_rows = [c for c, _p, _g in classes_with_counts(school_id, year.id)]
    groups = groups_of_classes(school_id, [c.id for c in class_rows])
    choices = []
    for klass in class_rows:
        choices.append((f"c{klass.id}", _("class %(name)s", name=klass.name)))
        choices += [(f"g{g.id}", f"{klass.name} · {g.name}") for g in groups
                    if g.class_id == klass.id]
    form.target.choices = forms.options([("", "—"), *choices])
    form.subject_id.choices = forms.options((s.id, s.name) for s in subjects(school_id))
    form.teacher_id.choices = forms.options((m.id, f"{m.last_name} {m.first_name}")
                                            for m in active_teachers(school_id))
    form.group_class = {f"g{g.id}": g.class_id for g in groups}
    return form


def _assignment_snapshot(row) -> dict:
    return snapshot(row, "class_id", "group_id", "subject_id", "teacher_id")


@bp.route("/assignments", methods=["GET", "POST"])
@admin_required
def assignments():
    """Who teaches what to which class or group this year."""
    form = _assignment_form()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            target = form.target.data
            group_id = int(target[1:]) if target.startswith("g") else None
            class_id = form.group_class[target] if group_id else int(target[1:])
            try:
                row = add_assignment(admin().school_id, class_id, form.subject_id.data,
                                     form.teacher_id.data, group_id)
            except ClassSetupError as exc:
                form.target.errors.append(exc.message)
            else:
                record_setup(admin(), "assignment", row.id, "create", None,
                             _assignment_snapshot(row))
                flash(_("Assignment saved."), "success")
                return redirect(url_for("setup.assignments"))
        status = 422
    return render_template("setup/assignments.html", form=form, confirm=ConfirmForm(),
                           rows=year_assignments(admin().school_id, current_year().id)), status


@bp.post("/assignments/<int:assignment_id>/delete")
@admin_required
def assignment_delete(assignment_id: int):
    """End a teaching assignment (what was entered stays)."""
    row = found_or_404(assignment_of(admin().school_id, assignment_id))
    if ConfirmForm().validate_on_submit():
        old = _assignment_snapshot(row)
        remove_assignment(row)
        record_setup(admin(), "assignment", assignment_id, "delete", old, None)
        flash(_("Assignment removed."), "success")
    return redirect(url_for("setup.assignments"))
