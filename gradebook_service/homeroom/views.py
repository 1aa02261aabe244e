"""The homeroom teacher's class: grades of all subjects, attendance, pupils at risk, and the
classification sheet (page, PDF, CSV). Only the class's homeroom teacher and the
administrator reach them (accounts/access.py ``leads_class``); anyone else gets 404.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import leads_class, login_required
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from gradebook_service.grades.models import TERM, YEAR
from gradebook_service.homeroom import export, forms, services
from gradebook_service.homeroom.attendance import class_attendance
from gradebook_service.homeroom.overview import class_overview, class_pupils
from gradebook_service.remarks.services import BEHAVIOUR_LABELS
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import SchoolClass
from gradebook_service.school.years import school_year_for, term_for
from gradebook_service.surveys.charts import bar_chart
from gradebook_service.web import dates
from gradebook_service.web.staff import school_of, staff_account
from shared.i18n import format_day

bp = Blueprint("homeroom", __name__, template_folder="templates", static_folder="static",
               static_url_path="/staff/static/homeroom")
PREFIX = "/staff/classes/<int:class_id>/homeroom"


def _load(class_id: int):
    """The account, class, school and year, if the staff member leads the class (else 404)."""
    account = staff_account()
    klass = get_owned(SchoolClass, account.school_id, class_id)
    if klass is None or not leads_class(account, klass):
        abort(404)
    return account, klass, school_of(account), school_year_for(account.school_id, dates.today())


@bp.get("/staff/homeroom/")
@login_required
def classes():
    """The classes the staff member leads (the administrator: every class of the school)."""
    account = staff_account()
    led = [k for k in db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_id == account.school_id).order_by(SchoolClass.name)
        .options(sa.orm.selectinload(SchoolClass.homeroom_teacher))).scalars()
        if leads_class(account, k)]
    if not led:
        abort(404)
    return render_template("homeroom/classes.html", classes=led)


def _period(year) -> str:
    """``?period=term|year``; by default the term until the second term starts, then the year."""
    chosen = request.args.get("period")
    if chosen in services.PERIODS:
        return chosen
    return TERM if term_for(year, dates.today()).number == 1 else YEAR


@bp.get(PREFIX + "/")
@login_required
def grades(class_id: int):
    """Pupils × subjects: the period's average and proposed/final grade (or descriptive texts)."""
    _account, klass, school, year = _load(class_id)
    period = _period(year)
    return render_template("homeroom/grades.html", klass=klass, year=year, period=period,
                           o=class_overview(school, klass, year),
                           behaviour_labels=BEHAVIOUR_LABELS,
                           average_key="term1" if period == TERM else "year")


@bp.get(PREFIX + "/attendance")
@login_required
def attendance(class_id: int):
    """Attendance per pupil and month with percentages, the class per month, and a chart."""
    _account, klass, _school, year = _load(class_id)
    data = class_attendance(klass.school_id, klass.id, year, until=dates.today())
    # The survey bars' geometry, fed with tenths of a percent, so 97.3% and 97.8% differ.
    chart = bar_chart([(format_day(m, "month"), round((data.by_month[m].percent or 0) * 10)
                        if m in data.by_month else 0) for m in data.months], 1000)
    return render_template("homeroom/attendance.html", klass=klass, year=year, data=data,
                           pupils=class_pupils(klass.school_id, klass.id), chart=chart)


@bp.route(PREFIX + "/risks", methods=["GET", "POST"])
@login_required
def risks(class_id: int):
    """Pupils below the attendance threshold or with a proposed/final 1; the administrator
    sets the school's threshold here."""
    account, klass, school, year = _load(class_id)
    form = forms.ThresholdForm(data=None if request.method == "POST" else {
        "attendance_threshold": str(services.rules_for(school).attendance_threshold)})
    if request.method == "POST":
        if not account.staff.is_admin:
            abort(404)
        if form.validate_on_submit():
            try:
                value = services.save_threshold(account, school, form.attendance_threshold.data)
            except services.ThresholdError as error:
                form.attendance_threshold.errors = [error.message]
            else:
                audit("homeroom.threshold_changed", actor=account.login,
                      subject=f"school:{school.id}", threshold=str(value))
                flash(_("Threshold saved."), "success")
                return redirect(url_for("homeroom.risks", class_id=class_id), code=303)
    rules = services.rules_for(school)
    overview = class_overview(school, klass, year)
    data = class_attendance(klass.school_id, klass.id, year, until=dates.today())
    return render_template("homeroom/risks.html", klass=klass, year=year, rules=rules,
                           at_risk=services.pupils_at_risk(overview, data, rules),
                           labels=services.RISK_LABELS, form=form,
                           may_set=account.staff.is_admin), (422 if form.errors else 200)


def _sheet(class_id: int):
    account, klass, school, year = _load(class_id)
    period = _period(year)
    overview = class_overview(school, klass, year)
    data = class_attendance(klass.school_id, klass.id, year)
    sheet = services.classification_sheet(overview, data, services.rules_for(school), period)
    return account, klass, school, year, sheet


@bp.get(PREFIX + "/classification")
@login_required
def classification(class_id: int):
    """The classification sheet (zestawienie klasyfikacyjne) of the term or the year."""
    _account, klass, _school, year, sheet = _sheet(class_id)
    return render_template("homeroom/classification.html", klass=klass, year=year, sheet=sheet,
                           results=services.RESULT_LABELS if sheet.period == YEAR
                           else services.TERM_RESULT_LABELS,
                           behaviour_labels=BEHAVIOUR_LABELS)


def _filename(klass, year, period: str, ext: str) -> str:
    safe = "".join(ch for ch in f"{klass.name}-{year.name}" if ch.isalnum() or ch in "-_")
    return f"klasyfikacja-{safe}-{period}.{ext}"


@bp.get(PREFIX + "/classification.pdf")
@login_required
def classification_pdf(class_id: int):
    """The sheet as a PDF to print and sign (landscape A4)."""
    account, klass, school, year, sheet = _sheet(class_id)
    teacher = klass.homeroom_teacher.full_name if klass.homeroom_teacher else ""
    body = export.sheet_pdf(sheet, export.Heading(school.name, klass.name, year.name, teacher,
                                                  format_day(dates.today())))
    audit("homeroom.sheet_exported", actor=account.login, subject=f"class:{klass.id}",
          format="pdf", period=sheet.period)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{_filename(klass, year, sheet.period, "pdf")}"',
        "Cache-Control": "no-store"})


@bp.get(PREFIX + "/classification.csv")
@login_required
def classification_csv(class_id: int):
    """The sheet as CSV for a spreadsheet (formula-like cells neutralised)."""
    account, klass, _school, year, sheet = _sheet(class_id)
    audit("homeroom.sheet_exported", actor=account.login, subject=f"class:{klass.id}",
          format="csv", period=sheet.period)
    return Response("\ufeff" + export.sheet_csv(sheet), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{_filename(klass, year, sheet.period, "csv")}"',
        "Cache-Control": "no-store"})
