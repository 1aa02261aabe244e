"""The year switcher: last years' register for families and staff, read-only (GET only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request

from gradebook_service.accounts.access import login_required
from gradebook_service.archive import services
from gradebook_service.extensions import db
from gradebook_service.lessons.services import STATUS_LABELS
from gradebook_service.school.models import SchoolClass, SchoolYear
from gradebook_service.web.family import family_context
from gradebook_service.web.staff import staff_account

bp = Blueprint("archive", __name__, template_folder="templates")


def _chosen(years: list, default_first: bool = True):
    """The year picked by ``?year=`` among ``years`` (404 for any other id)."""
    wanted = request.args.get("year", type=int)
    if wanted is None:
        return years[0] if years and default_first else None
    for year in years:
        if year.id == wanted:
            return year
    abort(404)


@bp.get("/family/archive")
@login_required
def family():
    """The child's past years: grades, final grades, attendance and remarks as they were."""
    ctx = family_context()
    years = services.past_years_of_pupil(ctx.school.id, ctx.pupil.id)
    chosen = _chosen(years)
    record = None
    if chosen is not None:
        year = db.session.execute(sa.select(SchoolYear).where(
            SchoolYear.id == chosen.id, SchoolYear.school_id == ctx.school.id)).scalar_one()
        record = services.pupil_year_record(ctx.school.id, ctx.pupil.id, year)
    return render_template("archive/family.html", ctx=ctx, active="archive", years=years,
                           chosen=chosen, record=record, labels=STATUS_LABELS)


@bp.get("/staff/archive")
@login_required
def staff():
    """The school's past years and the classes of the chosen one this person taught or led."""
    account = staff_account()
    years = services.past_years(account.school_id)
    chosen = _chosen(years)
    classes = services.archived_classes(account, chosen.id) if chosen else []
    return render_template("archive/staff.html", years=years, chosen=chosen, classes=classes)


@bp.get("/staff/archive/classes/<int:class_id>")
@login_required
def staff_class(class_id: int):
    """A past class: its pupils of that year with their grades and attendance, read-only."""
    account = staff_account()
    klass = db.session.execute(
        sa.select(SchoolClass).join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(SchoolClass.id == class_id, SchoolClass.school_id == account.school_id,
               SchoolYear.is_current.is_(False))).scalar_one_or_none()
    if klass is None or klass not in services.archived_classes(account, klass.school_year_id):
        abort(404)
    record = services.class_year_record(account, klass)
    return render_template("archive/staff_class.html", klass=klass, record=record,
                           labels=STATUS_LABELS)
