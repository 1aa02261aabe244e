"""A held lesson's grades: the substitute who took the lesson grades it here (issue 14)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import login_required, may_grade_lesson
from gradebook_service.grades import services as grades
from gradebook_service.lesson_grades import services
from gradebook_service.school.years import school_year_for, term_for
from gradebook_service.web.staff import school_of, staff_account

bp = Blueprint("lesson_grades", __name__, template_folder="templates")


def _lesson_or_404(lesson_id: int):
    """The lesson, if the signed-in staff member may grade it; else 404."""
    account = staff_account()
    lesson = services.lesson_or_none(account.school_id, lesson_id)
    if lesson is None or not may_grade_lesson(account, lesson, services.substitute_for(lesson)):
        abort(404)
    school = school_of(account)
    term = term_for(school_year_for(school.id, lesson.date), lesson.date)
    return account, school, lesson, term


@bp.route("/staff/lessons/<int:lesson_id>/grades", methods=["GET", "POST"])
@login_required
def lesson(lesson_id: int):
    """The lesson's columns for the pupils of the class; empty text deletes a grade."""
    account, school, lesson, term = _lesson_or_404(lesson_id)
    g = services.lesson_grid(school, lesson, term, account.staff_id)
    problems, typed = {}, {}
    if request.method == "POST":
        cells = {}
        for key, value in request.form.items():
            parts = key.split("-")
            if parts[0] == "g" and len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                cells[(int(parts[1]), int(parts[2]))] = value
        try:
            changed = grades.save_grid(account, school, g, cells, {}, term, lesson.subject_id)
        except grades.GradeError as error:
            problems, typed = error.cells, dict(request.form)
            flash(str(error.message), "error")
        else:
            flash(_("Saved: %(n)d change(s).", n=changed), "success")
            return redirect(url_for("lesson_grades.lesson", lesson_id=lesson.id), code=303)
    return render_template("lesson_grades/lesson.html", lesson=lesson, term=term, g=g,
                           problems=problems, typed=typed,
                           categories=[c for c in grades.ensure_categories(account.school_id)
                                       if c.active]), (422 if problems else 200)


@bp.post("/staff/lessons/<int:lesson_id>/grades/columns")
@login_required
def add_column(lesson_id: int):
    """Add a column dated the lesson's day (category, weight, description)."""
    account, _school, lesson, term = _lesson_or_404(lesson_id)
    weight_text = (request.form.get("weight") or "").strip()
    try:
        grades.add_assessment(account, lesson.class_id, lesson.subject_id, term,
                              request.form.get("category_id", type=int) or 0,
                              int(weight_text) if weight_text.isdigit() else None, lesson.date,
                              request.form.get("description", ""))
    except grades.GradeError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Column added."), "success")
    return redirect(url_for("lesson_grades.lesson", lesson_id=lesson.id), code=303)
