"""Jobs a request starts and a thread runs: claiming the row, and failing jobs that died.

A job row (``status``, ``school_id``, ``created_at``) is added by the starting request,
which commits it after its view returns; the thread then claims it. Used by the
gradebook's letter batches and the year rollover.
"""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from shared.database import utcnow, write_apart

#: A job "running" longer than this died with its process.
STALE_AFTER = timedelta(minutes=30)


def claim_pending(db, model, job_id: int, attempts: int = 100, pause: float = 0.1) -> bool:
    """Mark the pending job running (waiting for the starting request's commit); False if
    it never became claimable (already claimed, or the request rolled back)."""
    session = db.session
    for _attempt in range(attempts):
        claimed = session.execute(sa.update(model).where(
            model.id == job_id, model.status == "pending").values(status="running")).rowcount
        session.commit()
        if claimed == 1:
            return True
        time.sleep(pause)
    return False


def fail_stale(db, model, school_id: int) -> None:
    """Mark the school's jobs whose process died as failed (their work never committed).

    The job pages call this on every visit: the update is written apart from the page's
    transaction so that a lock or a lost race never fails the page.
    """
    write_apart(db, sa.update(model.__table__).where(
        model.school_id == school_id, model.status.in_(("pending", "running")),
        model.created_at < utcnow() - STALE_AFTER).values(status="failed", error="stale"),
        f"stale {model.__tablename__} rows")
