"""School data, and the school years with their terms."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.forms import ConfirmForm
from gradebook_service.extensions import db
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import SchoolYear
from gradebook_service.school.year_setup import (
    SetupError,
    add_school_year,
    change_year_dates,
    check_school_fields,
    make_current,
    school_years,
)
from gradebook_service.setup import forms
from gradebook_service.setup.changes import record_setup, snapshot
from gradebook_service.setup.context import admin, admin_required, found_or_404, school
from gradebook_service.setup.views.blueprint import bp

SCHOOL_FIELDS = ("name", "short_name", "address", "phone", "email", "voivodeship")


@bp.route("/school", methods=["GET", "POST"])
@admin_required
def school_data():
    """The school's name, address, contacts and voivodeship."""
    row = school()
    form = forms.SchoolForm(obj=row if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            name, short_name = check_school_fields(form.name.data, form.short_name.data)
        except SetupError as exc:
            form.name.errors.append(exc.message)
        else:
            old = snapshot(row, *SCHOOL_FIELDS)
            row.name, row.short_name = name, short_name
            row.address = (form.address.data or "").strip() or None
            row.phone = (form.phone.data or "").strip() or None
            row.email = (form.email.data or "").strip().lower() or None
            row.voivodeship = form.voivodeship.data or None
            db.session.flush()
            record_setup(admin(), "school", row.id, "update", old, snapshot(row, *SCHOOL_FIELDS))
            flash(_("School data saved."), "success")
            return redirect(url_for("setup.school_data"))
    status = 422 if request.method == "POST" else 200
    return render_template("setup/school.html", form=form), status


def _year_or_404(year_id: int) -> SchoolYear:
    year = get_owned(SchoolYear, admin().school_id, year_id)
    return found_or_404(year if year is not None and year.school_id == admin().school_id
                        else None)


def _year_snapshot(year: SchoolYear) -> dict:
    first, second = year.terms
    return {"name": year.name, "starts_on": year.starts_on.isoformat(),
            "term2_starts_on": second.starts_on.isoformat(), "ends_on": year.ends_on.isoformat(),
            "current": year.is_current, "term1_ends_on": first.ends_on.isoformat()}


def _render_years(form=None, dates_forms=None, status=200):
    years = school_years(admin().school_id)
    dates_forms = dates_forms or {}
    for year in years:
        if year.id not in dates_forms:
            dates_forms[year.id] = forms.YearDatesForm(
                prefix=f"y{year.id}", starts_on=year.starts_on, ends_on=year.ends_on,
                term2_starts_on=year.terms[1].starts_on, formdata=None)
    return render_template("setup/years.html", years=years, form=form or forms.YearForm(),
                           dates_forms=dates_forms, confirm=ConfirmForm()), status


@bp.route("/years", methods=["GET", "POST"])
@admin_required
def years():
    """The school years with their terms; add the next year."""
    form = forms.YearForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                year = add_school_year(school(), form.name.data.strip(),
                                       term2_starts_on=form.term2_starts_on.data,
                                       current=form.current.data)
            except SetupError as exc:
                form.name.errors.append(exc.message)
            else:
                record_setup(admin(), "school_year", year.id, "create", None,
                             _year_snapshot(year))
                flash(_("School year %(name)s added with its terms and public holidays.",
                        name=year.name), "success")
                return redirect(url_for("setup.years"))
        return _render_years(form=form, status=422)
    return _render_years()


@bp.post("/years/<int:year_id>/dates")
@admin_required
def year_dates(year_id: int):
    """Change the first and last day of lessons and the boundary between the terms."""
    year = _year_or_404(year_id)
    form = forms.YearDatesForm(prefix=f"y{year.id}")
    if form.validate_on_submit():
        old = _year_snapshot(year)
        try:
            change_year_dates(year, form.starts_on.data, form.term2_starts_on.data,
                              form.ends_on.data)
        except SetupError as exc:
            form.term2_starts_on.errors.append(exc.message)
        else:
            record_setup(admin(), "school_year", year.id, "update", old, _year_snapshot(year))
            flash(_("Dates of %(name)s saved.", name=year.name), "success")
            return redirect(url_for("setup.years"))
    return _render_years(dates_forms={year.id: form}, status=422)


@bp.post("/years/<int:year_id>/current")
@admin_required
def year_current(year_id: int):
    """Make a year the current one (what the register shows)."""
    year = _year_or_404(year_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("setup.years"))
    old = _year_snapshot(year)
    make_current(year)
    db.session.refresh(year)
    record_setup(admin(), "school_year", year.id, "update", old, _year_snapshot(year))
    flash(_("%(name)s is now the current school year.", name=year.name), "success")
    return redirect(url_for("setup.years"))
