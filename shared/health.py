"""``/healthz`` for load balancers and monitoring: the database answers and no mail is stuck."""

from __future__ import annotations

import sqlalchemy as sa

from shared.outbox import current_outbox
from shared.unavailable import UNAVAILABLE_ERRORS


def health_answer(db) -> tuple[dict, int]:
    """``({"status": "ok"}, 200)``, or 503 naming what is wrong.

    503 when the database is unreachable (this process cannot serve pages) or when
    mails have waited longer than ``MAIL_MAX_WAIT_MINUTES`` (no sender runs, or the
    SMTP server refuses them): a family waiting for an activation mail is an outage
    too, and it would otherwise be silent.
    """
    try:
        db.session.execute(sa.text("SELECT 1"))
        overdue = current_outbox().overdue()
    except UNAVAILABLE_ERRORS:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    if overdue:
        return {"status": "degraded", "mail_overdue": overdue}, 503
    return {"status": "ok"}, 200
