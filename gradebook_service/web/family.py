"""The family pages' common context: who is signed in, which child, which school year.

Every family view starts with :func:`family_context`, which answers 404 for
anyone but a parent or pupil with a pupil (a forbidden page is not revealed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import abort, current_app, g
from sqlalchemy.orm.attributes import set_committed_value

from gradebook_service.accounts.access import current_account
from gradebook_service.accounts.models import PARENT, PUPIL, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.school.models import (
    Enrolment,
    Guardian,
    Guardianship,
    Pupil,
    School,
    SchoolClass,
)
from gradebook_service.school.years import NoSchoolYear, school_year_for
from gradebook_service.web import dates
from gradebook_service.web.models import SectionVisit
from shared.database import upsert, utcnow, write_apart


@dataclass
class FamilyContext:
    account: SchoolAccount
    pupil: Pupil
    school_class: SchoolClass
    school: School
    year: YearInfo
    today: date
    #: The rows loaded with the child, kept so the session's identity map keeps them (the
    #: header's guardian name is then answered without another query).
    loaded: tuple = ()


def family_context() -> FamilyContext:
    """The signed-in family account and its active child, or 404.

    One query loads the child with guardian, class and school (so the header's and
    ``family_pupil()``'s lazy loads are answered from the identity map).
    """
    if "family_context" in g:
        return g.family_context
    account = current_account()
    if account is None or account.role not in (PARENT, PUPIL):
        abort(404)
    row = db.session.execute(_child_statement(account.role), {
        "owner_id": account.guardianship_id if account.role == PARENT else account.pupil_id,
        "school_id": account.school_id}).first()
    pupil = account.family_pupil() if row is not None else None
    if pupil is None or pupil.school_id != account.school_id:
        abort(404)
    day = dates.today()
    if pupil.family_access_until is not None and day > pupil.family_access_until:
        abort(404)  # the grace (or graduates' retention) period is over
    if pupil.class_id is None:
        # Left or graduated: the family pages read the last class, without writing it back.
        set_committed_value(pupil, "school_class", row[0])
    try:
        year = cached_year(account.school_id, day)
    except NoSchoolYear:
        abort(404)
    g.family_context = FamilyContext(account, pupil, row[0], row[1], year, day, tuple(row))
    return g.family_context


@cache
def _child_statement(role: str) -> sa.Select:
    """The child's row with guardian, class and school, with bound parameters, built once.

    Parents reach the child through their guardianship, pupils are the child; building
    the joins per request cost more CPU than running them (issue 16).
    """
    if role == PARENT:
        query = (sa.select(SchoolClass, School)
                 .select_from(Guardianship)
                 .join(Guardian, Guardian.id == Guardianship.guardian_id)
                 .join(Pupil, Pupil.id == Guardianship.pupil_id)
                 .add_columns(Guardianship, Guardian, Pupil)
                 .where(Guardianship.id == sa.bindparam("owner_id")))
    else:
        query = sa.select(SchoolClass, School).select_from(Pupil).add_columns(Pupil).where(
            Pupil.id == sa.bindparam("owner_id"))
    # A pupil who left or graduated has no class now: their last class stands in.
    last_class = (sa.select(Enrolment.class_id).where(
        Enrolment.school_id == Pupil.school_id, Enrolment.pupil_id == Pupil.id)
        .order_by(Enrolment.starts_on.desc(), Enrolment.id.desc()).limit(1)
        .correlate(Pupil).scalar_subquery())
    return (query.join(SchoolClass, SchoolClass.id == sa.func.coalesce(Pupil.class_id, last_class))
            .join(School, School.id == Pupil.school_id)
            .where(Pupil.school_id == sa.bindparam("school_id")))


@dataclass(frozen=True)
class TermInfo:
    id: int
    number: int
    starts_on: date
    ends_on: date
    school_year_id: int


@dataclass(frozen=True)
class YearInfo:
    """A school year and its terms as plain values (safe to keep between requests)."""

    id: int
    name: str
    starts_on: date
    ends_on: date
    terms: tuple[TermInfo, ...]


YEAR_CACHE_SECONDS = 300


def year_cache() -> dict[tuple[int, date], tuple[float, YearInfo]]:
    """The current app's cache of school years (``app.extensions``, created in the factory)."""
    return current_app.extensions["school_years"]


def cached_year(school_id: int, day: date) -> YearInfo:
    """The school year covering ``day``, kept for a few minutes per process (it rarely changes)."""
    key = (school_id, day)
    years = year_cache()
    hit = years.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    year = school_year_for(school_id, day)
    info = YearInfo(year.id, year.name, year.starts_on, year.ends_on, tuple(
        TermInfo(t.id, t.number, t.starts_on, t.ends_on, t.school_year_id) for t in year.terms))
    if len(years) > 10000:
        years.clear()
    years[key] = (now + YEAR_CACHE_SECONDS, info)
    return info


def last_visits(ctx: FamilyContext) -> dict[str, datetime]:
    """When the account last opened each section for this child."""
    return {v.section: v.seen_at for v in db.session.execute(
        sa.select(SectionVisit).where(SectionVisit.school_id == ctx.account.school_id,
                                      SectionVisit.account_id == ctx.account.id,
                                      SectionVisit.pupil_id == ctx.pupil.id)).scalars()}


#: A visit within this time of the last one is not recorded again: a refresh keeps the "new"
#: marks, and reading a page does not write to the database on every request.
REVISIT_GRACE = timedelta(seconds=60)


#: Before a first visit everything is new.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def new_since(previous: datetime | None) -> datetime:
    """The one definition of "new" for every section: made after the previous visit (or ever)."""
    return previous or EPOCH


def mark_visited(ctx: FamilyContext, section: str) -> datetime | None:
    """Remember this visit; return the previous one (what came after it is shown as new).

    The visit is an upsert written apart from the page's transaction: two requests of
    one family racing on a first visit both succeed, and a failure to record it never
    fails the page (the badges are merely not reset).
    """
    previous = db.session.connection().execute(_visit_statement(), {  # a column: no ORM needed
        "school_id": ctx.account.school_id, "account_id": ctx.account.id,
        "pupil_id": ctx.pupil.id, "section": section}).scalar_one_or_none()
    now = utcnow()
    if previous is None or now - previous > REVISIT_GRACE:
        table = SectionVisit.__table__
        write_apart(db, upsert(
            db, table, {"school_id": ctx.account.school_id, "account_id": ctx.account.id,
                        "pupil_id": ctx.pupil.id, "section": section, "seen_at": now},
            keys=("school_id", "account_id", "pupil_id", "section"), update=("seen_at",),
            where=table.c.seen_at < now - REVISIT_GRACE), "a section visit")
    return previous


@cache
def _visit_statement() -> sa.Select:
    """The previous visit of one section, with bound parameters (asked by every family page)."""
    return sa.select(SectionVisit.seen_at).where(
        SectionVisit.school_id == sa.bindparam("school_id"),
        SectionVisit.account_id == sa.bindparam("account_id"),
        SectionVisit.pupil_id == sa.bindparam("pupil_id"),
        SectionVisit.section == sa.bindparam("section"))
