"""Health page."""

import sqlalchemy as sa
from flask import Blueprint

from gradebook_service.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def health():
    """Answer 200 when the database answers (for load balancers and start-up scripts)."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
