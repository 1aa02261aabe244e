"""The wizard's rollover as a background job, so the request never waits for it.

The request adds a pending :class:`RolloverJob` and commits; a thread with its own
app context claims it, runs the rollover in one transaction and writes "done" in
that same transaction (an exception rolls everything back and marks the job
failed). Progress (classes done of all) is kept in the process's
``app.extensions["rollover_progress"]``: the rollover's transaction is not visible
to other connections until it commits, and SQLite would block a second writer.
A poll answered by another process still sees the job's status from the database.
"""

from __future__ import annotations

import logging
import threading
from datetime import date

from flask import Flask, current_app
from flask_babel import force_locale

from gradebook_service.extensions import db
from gradebook_service.roster.rollover import run_rollover
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import RolloverJob
from gradebook_service.school.year_setup import SetupError
from shared.background_jobs import claim_pending, fail_stale
from shared.database import utcnow

log = logging.getLogger(__name__)


def create_job(school_id: int, account_id: int, to_year: str,
               repeating_ids: list[int]) -> RolloverJob:
    """Add a pending job (the starting request commits it)."""
    job = RolloverJob(school_id=school_id, created_by_id=account_id, to_year=to_year,
                      repeating_ids=sorted(repeating_ids), status="pending")
    db.session.add(job)
    db.session.flush()
    return job


def progress_of(job: RolloverJob) -> tuple[int, int]:
    """(classes done, classes in all) as far as this process knows."""
    return current_app.extensions["rollover_progress"].get(job.id, (0, 0))


def start_job(app: Flask, job_id: int, today: date) -> threading.Thread:
    """Run the job in a thread (call after the job row is committed)."""
    thread = threading.Thread(target=run_job, args=(app, job_id, today),
                              name=f"rollover-{job_id}", daemon=True)
    thread.start()
    return thread


def run_job(app: Flask, job_id: int, today: date) -> None:
    """Claim the job, roll the year over and commit it with the job's "done", or nothing."""
    progress = app.extensions["rollover_progress"]
    with app.app_context():
        session = db.session
        try:
            if not claim_pending(db, RolloverJob, job_id):
                return
            job = find_by_id(RolloverJob, job_id)
            actor = f"account:{job.created_by_id}"

            def report(done: int, total: int) -> None:
                progress[job_id] = (done, total)

            try:
                run_rollover(job.school_id, job.to_year, job.repeating_ids, actor=actor,
                             today=today, progress=report)
            except SetupError as exc:
                session.rollback()
                with force_locale("pl"):  # no request here: the school's language
                    _finish(job_id, "failed", str(exc.message)[:300])
                return
            job = find_by_id(RolloverJob, job_id)
            job.status, job.finished_at = "done", utcnow()
            session.commit()
            app.extensions["school_years"].clear()  # the current year changed
        except Exception:
            log.exception("rollover job %s failed", job_id)
            session.rollback()
            _finish(job_id, "failed", "error")
        finally:
            session.remove()


def _finish(job_id: int, status: str, error: str) -> None:
    job = find_by_id(RolloverJob, job_id)
    if job is not None:
        job.status, job.error, job.finished_at = status, error, utcnow()
        db.session.commit()


def fail_stale_jobs(school_id: int) -> None:
    """Mark jobs whose process died as failed (their transaction never committed)."""
    fail_stale(db, RolloverJob, school_id)
