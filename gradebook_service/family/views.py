"""Family pages: home with badges and the lucky number, Uczeń, Organizacja, help, settings."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, render_template

from gradebook_service.accounts.access import login_required
from gradebook_service.extensions import db
from gradebook_service.family import services
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import Guardian, Guardianship, SchoolClass, StaffMember
from gradebook_service.web.family import family_context

bp = Blueprint("family", __name__, url_prefix="/family", template_folder="templates",
               static_folder="static", static_url_path="/static/family")


@bp.before_app_request
def forget_request_caches() -> None:
    """``g`` outlives a request when an app context is already pushed (CLI, tests): drop the
    family context and the language chosen for an earlier request."""
    g.pop("family_context", None)
    g.pop("_flask_babel", None)


@bp.get("/")
@login_required
def home():
    """What is new since the last visit, as badges on the menu icons; the lucky number."""
    ctx = family_context()
    return render_template("family/home.html", ctx=ctx, badges=services.badges(ctx),
                           lucky=services.lucky_number(ctx))


@bp.get("/pupil")
@login_required
def pupil():
    """Uczeń: the pupil's class, homeroom teacher and guardians."""
    ctx = family_context()
    homeroom = (get_owned(StaffMember, ctx.school_class.school_id,
                          ctx.school_class.homeroom_teacher_id)
                if ctx.school_class.homeroom_teacher_id else None)
    guardians = list(db.session.execute(
        sa.select(Guardian).join(Guardianship, Guardianship.guardian_id == Guardian.id)
        .where(Guardianship.school_id == ctx.school.id, Guardianship.pupil_id == ctx.pupil.id)
        .order_by(Guardianship.position)).scalars())
    return render_template("family/pupil.html", ctx=ctx, homeroom=homeroom, guardians=guardians,
                           teachers=services.class_teachers(ctx.school.id, ctx.pupil.class_id))


@bp.get("/organisation")
@login_required
def organisation():
    """Organizacja: school contact, classes with homeroom teachers, teachers and what they teach."""
    ctx = family_context()
    classes = list(db.session.execute(
        sa.select(SchoolClass, StaffMember)
        .outerjoin(StaffMember, StaffMember.id == SchoolClass.homeroom_teacher_id)
        .where(SchoolClass.school_id == ctx.school.id,
               SchoolClass.school_year_id == ctx.year.id)
        .order_by(SchoolClass.level, SchoolClass.name)))
    return render_template("family/organisation.html", ctx=ctx, classes=classes,
                           teachers=services.school_teachers(ctx.school.id))


@bp.get("/help")
@login_required
def help():
    """Pomoc: how to use the register and whom to ask."""
    return render_template("family/help.html", ctx=family_context())


@bp.get("/settings")
@login_required
def settings():
    """Ustawienia: calendar feeds (and a link to the account settings)."""
    from gradebook_service.exports.services import feed_token

    ctx = family_context()
    return render_template("family/settings.html", ctx=ctx,
                           token=feed_token(ctx.account, create=False))

