"""Home and health pages."""

import sqlalchemy as sa
from flask import Blueprint, render_template

from idp.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    """Explain what this service is and link to sign-in."""
    return render_template("core/home.html")


@bp.get("/healthz")
def health():
    """Answer 200 when the database answers (for load balancers and start-up scripts)."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
