"""The rollover wizard: what will happen, run it as a job with progress, then the new year."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, jsonify, redirect, render_template, request, url_for

from gradebook_service.extensions import db
from gradebook_service.roster import rollover_jobs
from gradebook_service.roster.rollover import RolloverError, plan_rollover
from gradebook_service.school.calendar_rules import parse_year_name
from gradebook_service.school.classes import classes_with_counts
from gradebook_service.school.models import RolloverJob, SchoolYear
from gradebook_service.setup import forms
from gradebook_service.setup.context import admin, admin_required, current_year
from gradebook_service.setup.views.blueprint import bp
from gradebook_service.web import dates


def _next_name(year: SchoolYear) -> str:
    start = parse_year_name(year.name) + 1
    return f"{start}/{start + 1}"


@bp.route("/rollover", methods=["GET", "POST"])
@admin_required
def rollover():
    """Step 1 and 2: the plan (classes promoted, repeating, graduating) and its confirmation.

    ``action=preview`` shows the plan again with the pupils marked as repeating;
    ``action=run`` starts the job and goes to its progress page.
    """
    account = admin()
    year = current_year()
    form = forms.RolloverForm()
    if request.method == "GET":
        form.to_year.data = _next_name(year)
    # Every current pupil may be marked as repeating (validated against these choices).
    plan_error = None
    plan = None
    try:
        everyone = plan_rollover(account.school_id, (form.to_year.data or "").strip())
    except RolloverError as exc:
        plan_error, everyone = exc.message, None
    form.repeating.choices = forms.options(
        (p.id, f"{s.old.name} · {p.last_name} {p.first_name}")
        for s in (everyone.steps if everyone else []) for p in s.promoted + s.repeating)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit() or plan_error:
            status = 422
            if plan_error:
                form.to_year.errors.append(plan_error)
        else:
            plan = plan_rollover(account.school_id, form.to_year.data.strip(),
                                 form.repeating.data or [])
            if request.form.get("action") == "run":
                job = rollover_jobs.create_job(account.school_id, account.id,
                                               plan.dates.name, form.repeating.data or [])
                # The thread waits for this request's commit before it claims the job.
                rollover_jobs.start_job(current_app._get_current_object(), job.id,
                                        dates.today())
                return redirect(url_for("setup.rollover_job", public_id=job.public_id),
                                code=303)
    if plan is None and everyone is not None and status == 200:
        plan = everyone
    return render_template("setup/rollover.html", year=year, form=form, plan=plan), status


def _own_job(public_id: str) -> RolloverJob:
    account = admin()
    job = db.session.execute(sa.select(RolloverJob).where(
        RolloverJob.school_id == account.school_id, RolloverJob.public_id == public_id,
        RolloverJob.created_by_id == account.id)).scalar_one_or_none()
    if job is None:
        abort(404)
    return job


@bp.get("/rollover/jobs/<public_id>")
@admin_required
def rollover_job(public_id: str):
    """Step 3: the progress display (a static script polls the status), then the new year."""
    job = _own_job(public_id)
    rollover_jobs.fail_stale_jobs(job.school_id)
    done, total = rollover_jobs.progress_of(job)
    new_year = classes = None
    if job.status == "done":
        new_year = db.session.execute(sa.select(SchoolYear).where(
            SchoolYear.school_id == job.school_id, SchoolYear.name == job.to_year)
        ).scalar_one_or_none()
        classes = classes_with_counts(job.school_id, new_year.id) if new_year else []
    return render_template("setup/rollover_job.html", job=job, done=done, total=total,
                           new_year=new_year, classes=classes)


@bp.get("/rollover/jobs/<public_id>/status")
@admin_required
def rollover_job_status(public_id: str):
    job = _own_job(public_id)
    done, total = rollover_jobs.progress_of(job)
    return jsonify(status=job.status, done=done, total=total, error=job.error)
