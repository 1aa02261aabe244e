"""Health page."""

from flask import Blueprint

from gradebook_service.extensions import db
from shared.health import health_answer

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def health():
    """200 when the database answers and no mail waits too long; 503 otherwise."""
    return health_answer(db)
