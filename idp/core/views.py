"""Home and health pages."""

from flask import Blueprint, render_template

from idp.extensions import db
from shared.health import health_answer

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    """Explain what this service is and link to sign-in."""
    return render_template("core/home.html")


@bp.get("/healthz")
def health():
    """200 when the database answers and no mail waits too long; 503 otherwise."""
    return health_answer(db)
