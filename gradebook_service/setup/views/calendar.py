"""Free days of the current year: public holidays, breaks, the winter break, the school's own."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.forms import ConfirmForm
from gradebook_service.school.calendar_rules import (
    VOIVODESHIPS,
    WINTER_BREAK_GROUPS,
    winter_break_group,
)
from gradebook_service.school.free_days import (
    FreeDayError,
    add_school_free_day,
    fill_statutory_free_days,
    free_day_of,
    remove_free_day,
    set_winter_break,
    year_free_days,
)
from gradebook_service.school.models import WINTER_BREAK
from gradebook_service.setup import forms
from gradebook_service.setup.changes import record_setup, snapshot
from gradebook_service.setup.context import (
    admin,
    admin_required,
    current_year,
    found_or_404,
    school,
)
from gradebook_service.setup.views.blueprint import bp

FIELDS = ("kind", "name", "starts_on", "ends_on")


def _render(day_form=None, break_form=None, status=200):
    row, year = school(), current_year()
    days = year_free_days(row.id, year.id)
    winter = next((d for d in days if d.kind == WINTER_BREAK), None)
    group = winter_break_group(row.voivodeship)
    return render_template(
        "setup/free_days.html", year=year, days=days, winter=winter, school=row, group=group,
        voivodeship_name=VOIVODESHIPS.get(row.voivodeship or ""),
        group_members=[VOIVODESHIPS[v] for v in WINTER_BREAK_GROUPS.get(group, ())
                       if v != row.voivodeship],
        groups={g: [VOIVODESHIPS[v] for v in m] for g, m in WINTER_BREAK_GROUPS.items()},
        day_form=day_form or forms.FreeDayForm(),
        break_form=break_form or forms.WinterBreakForm(
            starts_on=winter.starts_on if winter else None, formdata=None),
        confirm=ConfirmForm()), status


@bp.get("/free-days")
@admin_required
def free_days():
    """The year's days without lessons, and forms to add the school's own."""
    return _render()


@bp.post("/free-days")
@admin_required
def free_day_add():
    """Add one of the school's days off (dzień wolny od zajęć), or a range of them."""
    form = forms.FreeDayForm()
    if form.validate_on_submit():
        try:
            row = add_school_free_day(current_year(), form.starts_on.data,
                                      form.ends_on.data or form.starts_on.data, form.name.data)
        except FreeDayError as exc:
            form.starts_on.errors.append(exc.message)
        else:
            record_setup(admin(), "free_day", row.id, "create", None, snapshot(row, *FIELDS))
            flash(_("Day off saved: no lessons, tests or homework can fall on it."), "success")
            return redirect(url_for("setup.free_days"))
    return _render(day_form=form, status=422)


@bp.post("/free-days/winter-break")
@admin_required
def winter_break():
    """Set the winter break of the school's voivodeship group for the current year."""
    form = forms.WinterBreakForm()
    if form.validate_on_submit():
        year = current_year()
        before = next((d for d in year_free_days(year.school_id, year.id)
                       if d.kind == WINTER_BREAK), None)
        old = snapshot(before, *FIELDS) if before else None
        try:
            row = set_winter_break(year, form.starts_on.data)
        except FreeDayError as exc:
            form.starts_on.errors.append(exc.message)
        else:
            record_setup(admin(), "free_day", row.id, "update" if old else "create", old,
                         snapshot(row, *FIELDS))
            flash(_("Winter break saved."), "success")
            return redirect(url_for("setup.free_days"))
    return _render(break_form=form, status=422)


@bp.post("/free-days/holidays")
@admin_required
def fill_holidays():
    """Fill in public holidays and statutory breaks missing from the current year."""
    if ConfirmForm().validate_on_submit():
        year = current_year()
        added = fill_statutory_free_days(year)
        if added:
            record_setup(admin(), "free_day", year.id, "create", None,
                         {"filled_in": added, "year": year.name})
        flash(_("%(n)d public holidays and breaks filled in.", n=added), "success")
    return redirect(url_for("setup.free_days"))


@bp.post("/free-days/<int:free_day_id>/delete")
@admin_required
def free_day_delete(free_day_id: int):
    """Remove a free day (lessons may then be planned on it)."""
    row = found_or_404(free_day_of(admin().school_id, free_day_id))
    if ConfirmForm().validate_on_submit():
        old = snapshot(row, *FIELDS)
        remove_free_day(row)
        record_setup(admin(), "free_day", free_day_id, "delete", old, None)
        flash(_("Free day removed."), "success")
    return redirect(url_for("setup.free_days"))

