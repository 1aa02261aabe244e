"""The family pages' common context: who is signed in, which child, which school year.

Every family view starts with :func:`family_context`, which answers 404 for
anyone but a parent or pupil with a pupil (a forbidden page is not revealed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import abort, g

from gradebook_service.accounts.access import current_account
from gradebook_service.accounts.models import PARENT, PUPIL, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.family.models import SectionVisit
from gradebook_service.school.models import Pupil, School, SchoolClass, SchoolYear
from gradebook_service.timetable.services import NoSchoolYear, school_year_for
from shared.database import utcnow


def today() -> date:
    """The school's date today (a seam for tests and the demo)."""
    return date.today()


@dataclass
class FamilyContext:
    account: SchoolAccount
    pupil: Pupil
    school_class: SchoolClass
    school: School
    year: SchoolYear
    today: date


def family_context() -> FamilyContext:
    """The signed-in family account and its active child, or 404."""
    if "family_context" in g:
        return g.family_context
    account = current_account()
    if account is None or account.role not in (PARENT, PUPIL):
        abort(404)
    pupil = account.family_pupil()
    if pupil is None or pupil.school_id != account.school_id:
        abort(404)
    row = db.session.execute(
        sa.select(SchoolClass, School).join(School, School.id == SchoolClass.school_id)
        .where(SchoolClass.id == pupil.class_id, SchoolClass.school_id == account.school_id)
    ).first()
    if row is None:
        abort(404)
    day = today()
    try:
        year = school_year_for(account.school_id, day)
    except NoSchoolYear:
        abort(404)
    g.family_context = FamilyContext(account, pupil, row[0], row[1], year, day)
    return g.family_context


def last_visits(ctx: FamilyContext) -> dict[str, datetime]:
    """When the account last opened each section for this child."""
    return {v.section: v.seen_at for v in db.session.execute(
        sa.select(SectionVisit).where(SectionVisit.school_id == ctx.account.school_id,
                                      SectionVisit.account_id == ctx.account.id,
                                      SectionVisit.pupil_id == ctx.pupil.id)).scalars()}


def mark_visited(ctx: FamilyContext, section: str) -> datetime | None:
    """Remember this visit; return the previous one (what came after it is shown as new)."""
    visit = db.session.execute(sa.select(SectionVisit).where(
        SectionVisit.school_id == ctx.account.school_id, SectionVisit.account_id == ctx.account.id,
        SectionVisit.pupil_id == ctx.pupil.id, SectionVisit.section == section)
    ).scalar_one_or_none()
    previous = visit.seen_at if visit else None
    if visit is None:
        db.session.add(SectionVisit(school_id=ctx.account.school_id, account_id=ctx.account.id,
                                    pupil_id=ctx.pupil.id, section=section, seen_at=utcnow()))
    else:
        visit.seen_at = utcnow()
    return previous
