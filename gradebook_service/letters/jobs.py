"""Letter batches in the background: a job row tracks progress, a thread does the work.

The request that starts a batch only adds the job row; after it commits, a thread
with its own app context and session prints the letters and stores the PDF
encrypted on the row. Progress is written to the row every few percent, so any
process behind the load balancer can answer the polling page.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from flask import Flask, current_app

from gradebook_service.accounts.models import LetterJob, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.letters.services import (
    NothingToPrint,
    Selection,
    issue_and_render,
    plan_pages,
)
from gradebook_service.school.keys import find_by_id, get_owned
from shared.background_jobs import claim_pending, fail_stale
from shared.crypto import sealer
from shared.database import utcnow

log = logging.getLogger(__name__)

PDF_PURPOSE = "e-dziennik gradebook letter-pdf"


def create_job(school_id: int, created_by: SchoolAccount, selection: Selection,
               description: str) -> LetterJob:
    """Add a pending job (the caller's transaction commits it)."""
    job = LetterJob(school_id=school_id, created_by_id=created_by.id, description=description,
                    selection=selection.as_dict(), status="pending", total=0, done=0)
    db.session.add(job)
    db.session.flush()
    return job


def start_job(app: Flask, job_id: int) -> threading.Thread:
    """Run the job in a background thread (call after the job row is committed)."""
    thread = threading.Thread(target=run_job, args=(app, job_id), name=f"letters-{job_id}",
                              daemon=True)
    thread.start()
    return thread


def run_job(app: Flask, job_id: int) -> None:
    """Print the job's letters; all password changes and the PDF commit together."""
    with app.app_context():
        session = db.session
        try:
            if not claim_pending(db, LetterJob, job_id):
                return
            job = find_by_id(LetterJob, job_id)
            printed_by = get_owned(SchoolAccount, job.school_id, job.created_by_id)
            last = {"done": -1}

            def progress(done: int, total: int) -> None:
                # Progress goes through a second connection so the batch stays uncommitted.
                if done - last["done"] >= max(1, total // 50) or done == total:
                    last["done"] = done
                    with db.engine.begin() as conn:
                        conn.execute(sa.update(LetterJob).where(LetterJob.id == job_id).values(
                            done=done, total=total))

            try:
                plans = plan_pages(job.school_id, Selection.from_dict(job.selection))
                session.commit()  # accounts created for the plan; no lock held while working
                result = issue_and_render(job.school_id, plans, printed_by, progress=progress)
            except NothingToPrint:
                session.rollback()
                job = find_by_id(LetterJob, job_id)
                job.status, job.error, job.finished_at = "failed", "nothing-to-print", utcnow()
                session.commit()
                return
            job = find_by_id(LetterJob, job_id)
            session.refresh(job)
            job.pdf_encrypted = sealer(PDF_PURPOSE).seal(result.pdf).encode()
            job.status = "done"
            job.total = job.done = max(job.total, 1)
            job.finished_at = utcnow()
            job.description = f"{job.description} ({result.pages})"
            session.commit()
        except Exception:
            log.exception("letter job %s failed", job_id)
            session.rollback()
            job = find_by_id(LetterJob, job_id)
            if job is not None:
                job.status, job.error, job.finished_at = "failed", "error", utcnow()
                session.commit()
        finally:
            session.remove()


def take_pdf(job: LetterJob) -> bytes:
    """Return the job's PDF and erase it (it holds plaintext passwords)."""
    pdf = sealer(PDF_PURPOSE).open(job.pdf_encrypted)
    job.pdf_encrypted = None
    job.downloaded_at = utcnow()
    return pdf


def fail_stale_jobs(school_id: int) -> None:
    """Mark jobs whose process died as failed (their transaction never committed)."""
    fail_stale(db, LetterJob, school_id)


def current_app_object() -> Flask:
    return current_app._get_current_object()
