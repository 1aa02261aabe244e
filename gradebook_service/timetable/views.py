"""The family's week plan with its changes; the planners' changes; the administrator's week."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import current_account, login_required, roles_required
from gradebook_service.accounts.models import STAFF
from gradebook_service.extensions import db
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import (
    ClassGroup,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subject,
)
from gradebook_service.timetable import importing, planning
from gradebook_service.timetable.clashes import WEEKDAYS
from gradebook_service.timetable.models import CHANGE_KINDS, TimetableChange, TimetableEntry
from gradebook_service.timetable.services import (
    ChangeError,
    class_plan,
    monday_of,
    periods,
    save_change,
    upcoming_changes,
)
from gradebook_service.web import dates
from gradebook_service.web.family import family_context
from gradebook_service.web.staff import staff_account
from shared.collation import order_by_name

bp = Blueprint("timetable", __name__, template_folder="templates")


@bp.app_template_filter("room")
def room_label(room: str | None) -> str:
    """``sala 12`` for a numbered room, a named one as it is ("sala gimn.", not "sala sala gimn.")."""
    room = (room or "").strip()
    return _("room %(room)s", room=room) if room[:1].isdigit() else room


@bp.get("/family/timetable")
@login_required
def family():
    """Plan lekcji: the class's week (``?week=YYYY-MM-DD``), substitutions and cancellations shown."""
    ctx = family_context()
    # At the weekend, the coming week is the one families want to see.
    default = ctx.today + timedelta(days=2) if ctx.today.weekday() >= 5 else ctx.today
    monday = monday_of(dates.date_arg("week", default))
    slots = class_plan(ctx.school.id, ctx.pupil.class_id, monday, days=5, year=ctx.year,
                       pupil_id=ctx.pupil.id)
    days = [(monday + timedelta(days=i), [s for s in slots if s.date == monday + timedelta(days=i)])
            for i in range(5)]
    return render_template("timetable/family.html", ctx=ctx, active="timetable", days=days,
                           monday=monday, previous=monday - timedelta(days=7),
                           following=monday + timedelta(days=7))


def _planner():
    """The administrator or secretary (who plan substitutions); anyone else gets 404."""
    account = staff_account()
    if not (account.staff.is_admin or account.staff.is_secretary):
        abort(404)
    return account


@bp.route("/staff/timetable/changes", methods=["GET", "POST"])
@login_required
def changes():
    """Substitutions, cancellations and room changes for given dates (admin, secretary)."""
    account = _planner()
    error = None
    if request.method == "POST":
        klass = db.session.execute(sa.select(SchoolClass).where(
            SchoolClass.id == (request.form.get("class_id", type=int) or 0),
            SchoolClass.school_id == account.school_id)).scalar_one_or_none()
        if klass is None:
            abort(404)
        try:
            day = date.fromisoformat(request.form.get("date", ""))
            save_change(account.school_id, klass.id, day,
                        request.form.get("period", type=int) or 1, request.form.get("kind", ""),
                        request.form.get("teacher_id", type=int),
                        request.form.get("subject_id", type=int),
                        request.form.get("room"), request.form.get("note"))
        except ValueError:
            error = _("Give the date.")
        except ChangeError as exc:
            error = exc.message
        else:
            flash(_("Change saved."), "success")
            return redirect(url_for("timetable.changes"), code=303)
    school_id = account.school_id
    return render_template(
        "timetable/changes.html", error=error, form=request.form, kinds=CHANGE_KINDS,
        today=dates.today(), rows=upcoming_changes(school_id, dates.today()),
        classes=db.session.execute(sa.select(SchoolClass).where(
            SchoolClass.school_id == school_id).order_by(SchoolClass.name)).scalars().all(),
        teachers=db.session.execute(sa.select(StaffMember).where(
            StaffMember.school_id == school_id, StaffMember.is_teacher)
            .order_by(*order_by_name(StaffMember.last_name, StaffMember.first_name))).scalars().all(),
        subjects=db.session.execute(sa.select(Subject).where(
            Subject.school_id == school_id).order_by(Subject.name)).scalars().all(),
    ), (422 if error else 200)


@bp.post("/staff/timetable/changes/<int:change_id>/delete")
@login_required
def delete_change(change_id: int):
    """Remove a change (the regular lesson applies again)."""
    account = _planner()
    change = get_owned(TimetableChange, account.school_id, change_id)
    if change is None or change.school_id != account.school_id:
        abort(404)
    db.session.delete(change)
    flash(_("Change removed."), "success")
    return redirect(url_for("timetable.changes"), code=303)


# --- the administrator plans the week: bell times, the class grid, the import ------------

admin_required = roles_required(STAFF, staff_flags=("is_admin",))


def _admin_class_or_404(class_id: int) -> SchoolClass:
    """A class of the administrator's school in its current year; anything else is 404."""
    klass = next((c for c in planning.current_classes(current_account().school_id)
                  if c.id == class_id), None)
    if klass is None:
        abort(404)
    return klass


def _entry_or_404(entry_id: int) -> TimetableEntry:
    entry = db.session.execute(sa.select(TimetableEntry).where(
        TimetableEntry.id == entry_id,
        TimetableEntry.school_id == current_account().school_id)).scalar_one_or_none()
    if entry is None:
        abort(404)
    return entry


@bp.route("/admin/bell-times", methods=["GET", "POST"])
@admin_required
def bell_times():
    """Dzwonki: the numbered lessons with their start and end (an empty row removes one)."""
    account = current_account()
    problems, rows = [], None
    if request.method == "POST":
        count = min(request.form.get("rows", type=int) or 0, planning.MAX_PERIOD + 1)
        rows = [planning.BellRow(request.form.get(f"number-{i}", ""),
                                 request.form.get(f"starts-{i}", ""),
                                 request.form.get(f"ends-{i}", "")) for i in range(count)]
        try:
            planning.save_bell_times(account, rows)
        except planning.PlanError as error:
            problems = error.problems
        else:
            flash(_("Bell times saved."), "success")
            return redirect(url_for("timetable.bell_times"), code=303)
    if rows is None:
        rows = [planning.BellRow(str(p.number), p.starts_at.strftime("%H:%M"),
                                 p.ends_at.strftime("%H:%M"))
                for p in periods(account.school_id).values()]
        # up to three empty rows to add lessons, never more rows than lesson numbers
        rows += [planning.BellRow("", "", "")] * max(0, min(3, planning.MAX_PERIOD + 1 - len(rows)))
    return render_template("timetable/bell_times.html", rows=rows, problems=problems), \
        (422 if problems else 200)


@bp.get("/admin/timetable")
@admin_required
def plan_index():
    """The classes whose week the administrator plans, and the import."""
    account = current_account()
    counts = dict(db.session.execute(
        sa.select(TimetableEntry.class_id, sa.func.count())
        .where(TimetableEntry.school_id == account.school_id)
        .group_by(TimetableEntry.class_id)).all())
    return render_template("timetable/plan_index.html",
                           classes=planning.current_classes(account.school_id), counts=counts)


def _slot_choice(form) -> planning.SlotChoice:
    return planning.SlotChoice(form.get("weekday", type=int), form.get("period", type=int),
                               form.get("subject_id", type=int), form.get("teacher_id", type=int),
                               form.get("room", ""), form.get("group_id", type=int))


def _slot_options(school_id: int, klass: SchoolClass) -> dict:
    """What the slot form offers: the class's subjects and teachers, its groups, the bells."""
    return {
        "subjects": db.session.execute(sa.select(Subject).where(
            Subject.school_id == school_id).order_by(Subject.name)).scalars().all(),
        "teachers": db.session.execute(sa.select(StaffMember).where(
            StaffMember.school_id == school_id, StaffMember.is_teacher.is_(True))
            .order_by(StaffMember.last_name, StaffMember.first_name)).scalars().all(),
        "groups": db.session.execute(sa.select(ClassGroup).where(
            ClassGroup.school_id == school_id, ClassGroup.class_id == klass.id)
            .order_by(ClassGroup.name)).scalars().all(),
        "bells": periods(school_id), "weekdays": WEEKDAYS,
    }


@bp.route("/admin/timetable/classes/<int:class_id>", methods=["GET", "POST"])
@admin_required
def plan_class(class_id: int):
    """A class's week as a grid (weekday × lesson); the form below adds a lesson."""
    account = current_account()
    klass = _admin_class_or_404(class_id)
    problems = []
    if request.method == "POST":
        try:
            planning.save_slot(account, klass, _slot_choice(request.form))
        except planning.PlanError as error:
            problems = error.problems
        else:
            flash(_("Lesson added to the timetable."), "success")
            return redirect(url_for("timetable.plan_class", class_id=klass.id), code=303)
    return render_template("timetable/plan_class.html", klass=klass, problems=problems,
                           form=request.form, week=planning.class_week(account.school_id, klass),
                           **_slot_options(account.school_id, klass)), (422 if problems else 200)


@bp.route("/admin/timetable/entries/<int:entry_id>", methods=["GET", "POST"])
@admin_required
def plan_entry(entry_id: int):
    """Change one lesson of the week (day, lesson, subject, teacher, room, group)."""
    account = current_account()
    entry = _entry_or_404(entry_id)
    klass = _admin_class_or_404(entry.class_id)
    problems = []
    form = request.form
    if request.method == "POST":
        try:
            planning.save_slot(account, klass, _slot_choice(request.form), entry)
        except planning.PlanError as error:
            problems = error.problems
        else:
            flash(_("Lesson changed."), "success")
            return redirect(url_for("timetable.plan_class", class_id=klass.id), code=303)
    else:
        form = {"weekday": str(entry.weekday), "period": str(entry.period_number),
                "subject_id": str(entry.subject_id), "teacher_id": str(entry.teacher_id),
                "room": entry.room or "", "group_id": str(entry.group_id or "")}
    return render_template("timetable/plan_entry.html", klass=klass, entry=entry,
                           problems=problems, form=form,
                           **_slot_options(account.school_id, klass)), (422 if problems else 200)


@bp.post("/admin/timetable/entries/<int:entry_id>/delete")
@admin_required
def remove_entry(entry_id: int):
    """Take a lesson out of the week."""
    entry = _entry_or_404(entry_id)
    class_id = entry.class_id
    planning.remove_slot(current_account(), entry)
    flash(_("Lesson removed from the timetable."), "success")
    return redirect(url_for("timetable.plan_class", class_id=class_id), code=303)


@bp.route("/admin/timetable/import", methods=["GET", "POST"])
@admin_required
def import_plan():
    """Upload a timetable CSV: all rows apply, or none and each bad line is named."""
    account = current_account()
    problems, result = [], None
    if request.method == "POST":
        upload = request.files.get("file")
        year = db.session.execute(sa.select(SchoolYear).where(
            SchoolYear.school_id == account.school_id,
            SchoolYear.is_current.is_(True))).scalar_one_or_none()
        if upload is None or not upload.filename:
            problems = [importing.ImportProblem(0, _("Choose a CSV file."))]
        elif year is None:
            problems = [importing.ImportProblem(0, _("The school has no current school year."))]
        else:
            try:
                result = importing.import_timetable(account.school_id, year, upload.read(
                    importing.MAX_BYTES + 1), actor=account)
            except importing.TimetableInvalid as error:
                problems = error.problems
    return render_template("timetable/import.html", problems=problems, result=result), \
        (422 if problems else 200)
