"""The setup index: every setup page, and the latest setup changes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from gradebook_service.extensions import db
from gradebook_service.history.models import SETUP_ENTITIES, ChangeLogEntry
from gradebook_service.setup.context import admin, admin_required, current_year, school
from gradebook_service.setup.views.blueprint import bp


@bp.get("/")
@admin_required
def index():
    """Links to every setup page, with the twenty latest setup changes."""
    recent = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.school_id == admin().school_id,
        ChangeLogEntry.entity.in_(SETUP_ENTITIES))
        .order_by(ChangeLogEntry.changed_at.desc(), ChangeLogEntry.id.desc()).limit(20)).scalars()
    return render_template("setup/index.html", school=school(), year=current_year(),
                           recent=list(recent))
