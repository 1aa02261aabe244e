"""Grades: the family page and the teacher's class grid."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from gradebook_service.accounts.access import login_required
from gradebook_service.grades import services
from gradebook_service.school.years import school_year_for, term_for
from gradebook_service.web import dates
from gradebook_service.web.cache import fragment_cache, time_bucket
from gradebook_service.web.family import family_context, mark_visited, new_since
from gradebook_service.web.staff import school_of, staff_account, taught_or_404

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
    return render_template("family/cached_page.html", ctx=ctx, body=Markup(body),  # noqa: S704
                           title=_("Grades"))


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
    problems, typed = {}, {}
    if request.method == "POST":
        cells, finals = {}, {}
        for key, value in request.form.items():
            parts = key.split("-")
            if parts[0] == "g" and len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                cells[(int(parts[1]), int(parts[2]))] = value
            elif parts[0] == "f" and len(parts) == 4 and parts[1].isdigit():
                finals[(int(parts[1]), parts[2], parts[3])] = value
        try:
            changed = services.save_grid(account, school, g, cells, finals, term, subject_id)
        except services.GradeError as error:
            problems, typed = error.cells, dict(request.form)
            flash(str(error.message), "error")
        else:
            flash(_("Saved: %(n)d change(s).", n=changed), "success")
            return redirect(url_for("grades.grid", class_id=class_id, subject_id=subject_id,
                                    term=term.number), code=303)
    return render_template("grades/grid.html", klass=klass, subject=subject, term=term,
                           year=year, g=g, problems=problems, typed=typed,
                           categories=services.ensure_categories(account.school_id),
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
