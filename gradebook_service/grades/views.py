"""Grades: the family page, the teacher's class grid, the administrator's categories and rules."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from gradebook_service.accounts.access import current_account, login_required, roles_required
from gradebook_service.accounts.models import STAFF
from gradebook_service.grades import categories, descriptive, forms, school_rules, services
from gradebook_service.grades.models import Assessment
from gradebook_service.school.years import school_year_for, term_for
from gradebook_service.web import dates
from gradebook_service.web.cache import fragment_cache, time_bucket
from gradebook_service.web.chrome import family_page
from gradebook_service.web.family import family_context, mark_visited, new_since
from gradebook_service.web.staff import own_entry_or_404, school_of, staff_account, taught_or_404

bp = Blueprint("grades", __name__, template_folder="templates")


@bp.get("/family/grades")
@login_required
def family():
    """The pupil's grades per subject and term, weighted averages, proposed and final grades.

    The page's content is cached per data fingerprint (web/cache.py): a repeat visit
    costs one query instead of rendering hundreds of grades again.
    """
    ctx = family_context()
    previous = mark_visited(ctx, "grades")
    key = ("grades", ctx.school.id, ctx.pupil.id, ctx.pupil.full_name, ctx.school_class.name,
           ctx.school.short_name, str(get_locale()), previous, ctx.today, time_bucket(),
           services.grades_fingerprint(ctx.school, ctx.pupil, ctx.year))
    body = fragment_cache().get(key)
    if body is None:
        rows = services.pupil_grades(ctx.school, ctx.pupil, ctx.year,
                                     seen_since=new_since(previous))
        body = render_template("grades/family_body.html", ctx=ctx, rows=rows, active="grades")
        fragment_cache().set(key, body)
    return family_page(ctx, Markup(body), _("Grades"))  # noqa: S704 - our own rendered body


def _term(account, number: int | None):
    year = school_year_for(account.school_id, dates.today())
    if number in (1, 2) and len(year.terms) >= number:
        return year, year.terms[number - 1]
    return year, term_for(year, dates.today())


@bp.route("/staff/classes/<int:class_id>/subjects/<int:subject_id>/grades",
          methods=["GET", "POST"])
@login_required
def grid(class_id: int, subject_id: int):
    """The class grid: one column per assessment, typed marks, proposed and final grades."""
    account = staff_account()
    klass, subject = taught_or_404(account, class_id, subject_id)
    school = school_of(account)
    year, term = _term(account, request.args.get("term", type=int))
    g = services.grid(school, class_id, subject_id, term)
    is_descriptive = services.rules_for(school).is_descriptive(klass.level)
    pupil_ids = {p.id for p in g.pupils}
    texts = descriptive.class_texts(school.id, list(pupil_ids), year.id, subject_id) \
        if is_descriptive else {}
    problems, typed = {}, {}
    if request.method == "POST":
        cells, finals, written = {}, {}, {}
        for key, value in request.form.items():
            parts = key.split("-")
            if parts[0] == "g" and len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                cells[(int(parts[1]), int(parts[2]))] = value
            elif parts[0] == "f" and len(parts) == 4 and parts[1].isdigit() \
                    and not is_descriptive:
                finals[(int(parts[1]), parts[2], parts[3])] = value
            elif parts[0] == "d" and len(parts) == 3 and parts[1].isdigit() and is_descriptive:
                written[(int(parts[1]), parts[2])] = value
        try:
            text_problems = descriptive.check_texts(written, pupil_ids)
            if text_problems:
                raise services.GradeError(_("Some grades were not saved: correct the marked "
                                            "cells."), text_problems)
            changed = services.save_grid(account, school, g, cells, finals, term, subject_id)
            changed += descriptive.save_texts(account, texts, written, pupil_ids, year.id,
                                              subject_id)
        except services.GradeError as error:
            problems, typed = error.cells, dict(request.form)
            flash(str(error.message), "error")
        else:
            flash(_("Saved: %(n)d change(s).", n=changed), "success")
            return redirect(url_for("grades.grid", class_id=class_id, subject_id=subject_id,
                                    term=term.number), code=303)
    return render_template("grades/grid.html", klass=klass, subject=subject, term=term,
                           year=year, g=g, problems=problems, typed=typed,
                           descriptive=is_descriptive, texts=texts, staff=account.staff,
                           categories=[c for c in services.ensure_categories(account.school_id)
                                       if c.active],
                           today=dates.today()), (422 if problems else 200)


@bp.post("/staff/classes/<int:class_id>/subjects/<int:subject_id>/assessments")
@login_required
def add_assessment(class_id: int, subject_id: int):
    """Add a column to the grid."""
    account = staff_account()
    taught_or_404(account, class_id, subject_id)
    if request.form.get("term", type=int) not in (None, 1, 2):
        abort(400)
    _year, term = _term(account, request.form.get("term", type=int))
    try:
        day = date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        day = dates.today()
    weight_text = (request.form.get("weight") or "").strip()
    try:
        services.add_assessment(account, class_id, subject_id, term,
                                request.form.get("category_id", type=int) or 0,
                                int(weight_text) if weight_text.isdigit() else None, day,
                                request.form.get("description", ""))
    except services.GradeError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Column added."), "success")
    return redirect(url_for("grades.grid", class_id=class_id, subject_id=subject_id,
                            term=term.number), code=303)


def _grid_url(assessment: Assessment) -> str:
    number = next((t.number for t in school_year_for(assessment.school_id, dates.today()).terms
                   if t.id == assessment.term_id), None)
    return url_for("grades.grid", class_id=assessment.class_id,
                   subject_id=assessment.subject_id, term=number)


@bp.route("/staff/assessments/<int:assessment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_assessment(assessment_id: int):
    """Change a column's category, weight, date or description (its author or the
    administrator; others 404). Its grades stay; averages follow the new weight."""
    account = staff_account()
    assessment = own_entry_or_404(account, Assessment, assessment_id)
    error = None
    if request.method == "POST":
        weight_text = (request.form.get("weight") or "").strip()
        try:
            day = date.fromisoformat(request.form.get("date", ""))
        except ValueError:
            error = _("Give the date.")
        else:
            try:
                changed = services.update_assessment(
                    account, assessment, request.form.get("category_id", type=int) or 0,
                    int(weight_text) if weight_text.isdigit() else None, day,
                    request.form.get("description", ""))
            except services.GradeError as exc:
                error = exc.message
            else:
                flash(_("Column saved.") if changed else _("Nothing was changed."), "success")
                return redirect(_grid_url(assessment), code=303)
    form = request.form if request.method == "POST" else {
        "category_id": str(assessment.category_id), "weight": str(assessment.weight),
        "date": assessment.date.isoformat(), "description": assessment.description}
    choices = [c for c in services.ensure_categories(account.school_id)
               if c.active or c.id == assessment.category_id]
    return render_template("grades/column_edit.html", assessment=assessment, form=form,
                           error=error, categories=choices, grid_url=_grid_url(assessment),
                           grades=services.column_grade_count(assessment)
                           ), (422 if error else 200)


@bp.route("/staff/assessments/<int:assessment_id>/delete", methods=["GET", "POST"])
@login_required
def delete_assessment(assessment_id: int):
    """Delete a column: the page says how many grades go with it and asks to confirm; the
    deletion and every grade deleted are recorded in the change log."""
    account = staff_account()
    assessment = own_entry_or_404(account, Assessment, assessment_id)
    count = services.column_grade_count(assessment)
    error = None
    if request.method == "POST":
        if request.form.get("confirm") != "1":
            error = _("Tick the box to confirm that the grades are deleted with the column.")
        else:
            grid_url = _grid_url(assessment)
            try:
                deleted = services.delete_assessment(account, assessment,
                                                     request.form.get("grades", -1, type=int))
            except services.GradeError as exc:
                error = exc.message
            else:
                flash(_("Column deleted with %(n)d grade(s).", n=deleted), "success")
                return redirect(grid_url, code=303)
    return render_template("grades/column_delete.html", assessment=assessment, count=count,
                           error=error, grid_url=_grid_url(assessment)), (422 if error else 200)


# --- the administrator: categories and the school's grade rules ------------------------

admin_required = roles_required(STAFF, staff_flags=("is_admin",))


def _category_form_errors(form: forms.CategoryForm, error: categories.CategoryError) -> None:
    for name, message in error.fields.items():
        getattr(form, name).errors = [*getattr(form, name).errors, message]


@bp.route("/admin/grades/categories", methods=["GET", "POST"])
@admin_required
def category_list():
    """The school's categories with weight, colour and use; the form below adds one."""
    account = current_account()
    services.ensure_categories(account.school_id)
    form = forms.CategoryForm()
    if form.validate_on_submit():
        try:
            categories.save_category(account, form.name.data, form.weight.data,
                                     form.colour.data, form.counts_to_average.data)
        except categories.CategoryError as error:
            _category_form_errors(form, error)
        else:
            flash(_("Category added."), "success")
            return redirect(url_for("grades.category_list"), code=303)
    return render_template("grades/categories.html", rows=categories.category_rows(
        account.school_id), form=form, colours=categories.COLOURS), \
        (422 if form.errors else 200)


@bp.route("/admin/grades/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def category_edit(category_id: int):
    """Change a category, or deactivate it (its grades stay, with their weights)."""
    account = current_account()
    category = categories.category_or_none(account.school_id, category_id)
    if category is None:
        abort(404)
    form = forms.CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            categories.save_category(account, form.name.data, form.weight.data,
                                     form.colour.data, form.counts_to_average.data,
                                     form.active.data, category)
        except categories.CategoryError as error:
            _category_form_errors(form, error)
        else:
            flash(_("Category saved."), "success")
            return redirect(url_for("grades.category_list"), code=303)
    return render_template("grades/category_edit.html", category=category, form=form), \
        (422 if form.errors else 200)


@bp.route("/admin/grades/rules", methods=["GET", "POST"])
@admin_required
def rules():
    """The school's grade rules: values of + and -, marks not averaged or not used, levels."""
    account = current_account()
    school = school_of(account)
    form = forms.GradeRulesForm(data=None if request.method == "POST"
                                else school_rules.form_values(school))
    if form.validate_on_submit():
        try:
            school_rules.save_rules(account, school, form.plus.data, form.minus.data,
                                    form.non_average.data, form.disallowed.data,
                                    form.decimals.data, form.descriptive_levels.data)
        except school_rules.RulesError as error:
            for name, message in error.fields.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            flash(_("Grade rules saved."), "success")
            return redirect(url_for("grades.rules"), code=303)
    return render_template("grades/rules.html", form=form), (422 if form.errors else 200)
