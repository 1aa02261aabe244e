"""Who is signed in, and what they may see: checked on the server for every object.

Views call :func:`login_required` / :func:`staff_required` and then scope every
query with :func:`visible_pupil_ids_query` or the ``can_*`` predicates, so a
parent can reach only their own child, a pupil only themself, a teacher the
classes they teach or lead, and the secretary and administrator their school.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps

import sqlalchemy as sa
from flask import abort, current_app, g, redirect, request, session, url_for

from gradebook_service.accounts.models import (
    PARENT,
    PUPIL,
    STAFF,
    SchoolAccount,
    SignInSession,
)
from gradebook_service.accounts.terms import remember_terms_version, terms_version_column
from gradebook_service.extensions import db
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import Pupil, SchoolClass, TeachingAssignment
from gradebook_service.school.years import current_class_ids_query
from shared.session_records import SID_KEY, close_record, live_bound, live_params, open_record

SESSION_KEY = "account_id"
SESSION_VERSION_KEY = "account_session_version"


def current_account() -> SchoolAccount | None:
    """Return the signed-in school account, or None (cached on ``g`` for the request).

    The cookie's session id must name a live :class:`SignInSession` of the account
    (sign-out deletes it) and its ``session_version`` must be current (a password
    change or an admin reset bumps it): otherwise the cookie opens nothing.
    """
    if "current_account" not in g:
        account = None
        account_id = session.get(SESSION_KEY)
        if account_id is not None:
            row = db.session.execute(_signed_in_statement(), {
                "account_id": account_id, **live_params(session.get(SID_KEY))}).one_or_none()
            account, terms_version = row if row is not None else (None, None)
            if (account is None or not account.is_active
                    or account.session_version != session.get(SESSION_VERSION_KEY)):
                session.clear()  # signed out, password changed or reset: this session is over
                account = None
            elif terms_version is not None:
                remember_terms_version(account.school_id, terms_version)
        g.current_account = account
    return g.current_account


@cache
def _signed_in_statement():
    """The account of a live session with its school's current terms version, in one query.

    Every signed-in request asks this (the first-login gate needs both answers), so
    the statement is built once per process and only its parameters change.
    """
    return sa.select(SchoolAccount, terms_version_column()).join(SignInSession, sa.and_(
        SignInSession.school_id == SchoolAccount.school_id,
        SignInSession.account_id == SchoolAccount.id,
        live_bound(SignInSession))).where(SchoolAccount.id == sa.bindparam("account_id"))


def open_session(account: SchoolAccount) -> str:
    """Record a new signed-in session of ``account``; return its id for the cookie."""
    return open_record(db, SignInSession, current_app.permanent_session_lifetime,
                       school_id=account.school_id, account_id=account.id)


def sign_in(account: SchoolAccount) -> None:
    """Start a fresh session for ``account`` (a new session id, against fixation)."""
    lang = session.get("lang")
    close_record(db, SignInSession, session.get(SID_KEY))
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = account.id
    session[SESSION_VERSION_KEY] = account.session_version
    session[SID_KEY] = open_session(account)
    if lang:
        session["lang"] = lang
    g.current_account = account
    g.pop("csrf_token", None)  # the old session's token is gone with it


def sign_out() -> None:
    """End the session here and on the server: a copy of the cookie opens nothing afterwards."""
    close_record(db, SignInSession, session.get(SID_KEY))
    session.clear()
    g.pop("current_account", None)
    g.pop("csrf_token", None)


def login_required(view: Callable) -> Callable:
    """Send anonymous visitors to the login page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_account() is None:
            return redirect(url_for("accounts.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: str, staff_flags: tuple[str, ...] = ()) -> Callable:
    """Allow only accounts with one of ``roles``; for staff, optionally one of the flags.

    ``staff_flags`` names StaffMember booleans (``is_admin``, ``is_secretary``,
    ``is_teacher``); with them, a staff account needs at least one.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            account = current_account()
            if account.role not in roles:
                abort(403)
            if account.role == STAFF and staff_flags and not any(
                    getattr(account.staff, flag) for flag in staff_flags):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_class_ids_query(account: SchoolAccount) -> sa.Select:
    """Ids of the current year's classes a staff member may see: all for admin/secretary,
    else taught or led. Last year's classes are reached through the archive only."""
    staff = account.staff
    current = current_class_ids_query(account.school_id)
    if staff.is_admin or staff.is_secretary:
        return current
    taught = sa.select(TeachingAssignment.class_id).where(
        TeachingAssignment.school_id == account.school_id,
        TeachingAssignment.teacher_id == staff.id, TeachingAssignment.class_id.in_(current))
    led = sa.select(SchoolClass.id).where(SchoolClass.school_id == account.school_id,
                                          SchoolClass.homeroom_teacher_id == staff.id,
                                          SchoolClass.id.in_(current))
    return sa.union(taught, led)


def may_change_entry(account: SchoolAccount, author_staff_id: int) -> bool:
    """True if ``account`` may edit or delete what ``author_staff_id`` gave (homework, a test,
    an announcement, a remark, a grade column): its author and the administrator, nobody else."""
    staff = account.staff
    return account.role == STAFF and staff is not None and (
        staff.id == author_staff_id or staff.is_admin)


def teaches(account: SchoolAccount, class_id: int, subject_id: int) -> bool:
    """True if the staff member teaches the subject to the class (or is the administrator).

    Only a class of the current year: last year's register is read-only for everyone
    (``web/staff.py`` ``taught_or_404`` holds the administrator to that too).
    """
    if account.staff is None:
        return False
    if account.staff.is_admin:
        return True
    return db.session.execute(sa.select(TeachingAssignment.id).where(
        TeachingAssignment.school_id == account.school_id,
        TeachingAssignment.class_id == class_id, TeachingAssignment.subject_id == subject_id,
        TeachingAssignment.teacher_id == account.staff_id,
        TeachingAssignment.class_id.in_(current_class_ids_query(account.school_id)))
        .limit(1)).first() is not None


def leads_class(account: SchoolAccount | None, school_class: SchoolClass) -> bool:
    """True for the class's homeroom teacher (wychowawca) and the school's administrator.

    The homeroom pages (all subjects' grades, attendance, the classification sheet) are
    for these two only: a teacher of one subject, the secretary and families get 404.
    """
    if account is None or account.role != STAFF or account.staff is None:
        return False
    if school_class.school_id != account.school_id:
        return False
    return account.staff.is_admin or school_class.homeroom_teacher_id == account.staff_id


def may_grade_lesson(account: SchoolAccount | None, lesson, substitute_id: int | None) -> bool:
    """True if ``account`` may enter grades in the columns of one held ``lesson``.

    A teacher of the class and subject (and the administrator) may; so may the substitute
    who took this lesson (``substitute_id``: the teacher a substitution for the lesson's
    slot names, None without one) - for this lesson only, never the term's grid.
    ``lesson`` is any object with ``school_id``, ``class_id``, ``subject_id`` and
    ``teacher_id`` (access.py does not import the lessons room, which imports accounts).
    """
    if account is None or account.role != STAFF or account.staff is None:
        return False
    if lesson.school_id != account.school_id:
        return False
    if teaches(account, lesson.class_id, lesson.subject_id):
        return True
    return substitute_id is not None and substitute_id == account.staff_id == lesson.teacher_id


def visible_pupil_ids_query(account: SchoolAccount) -> sa.Select:
    """A subquery of the pupil ids ``account`` may see."""
    if account.role in (PARENT, PUPIL):
        pupil = account.family_pupil()
        return sa.select(sa.literal(pupil.id if pupil else -1))
    return sa.select(Pupil.id).where(Pupil.school_id == account.school_id,
                                     Pupil.class_id.in_(staff_class_ids_query(account)))


def can_see_pupil(account: SchoolAccount, pupil: Pupil) -> bool:
    """Return True if ``account`` may see ``pupil``'s data."""
    if pupil.school_id != account.school_id:
        return False
    if account.role in (PARENT, PUPIL):
        own = account.family_pupil()
        return own is not None and own.id == pupil.id
    return pupil.class_id in set(db.session.execute(staff_class_ids_query(account)).scalars())


def get_pupil_or_404(pupil_id: int) -> Pupil:
    """Load a pupil the current account may see; anything else is 404 (existence not revealed)."""
    account = current_account()
    pupil = get_owned(Pupil, account.school_id, pupil_id) if account is not None else None
    if account is None or pupil is None or not can_see_pupil(account, pupil):
        abort(404)
    return pupil


def office_class_ids_query(account: SchoolAccount) -> sa.Select:
    """Classes whose families' logins a staff member may manage: all for admin/secretary,
    the classes they lead for a homeroom teacher, none for other teachers."""
    staff = account.staff
    current = current_class_ids_query(account.school_id)
    if staff.is_admin or staff.is_secretary:
        return current
    return sa.select(SchoolClass.id).where(SchoolClass.school_id == account.school_id,
                                           SchoolClass.homeroom_teacher_id == staff.id,
                                           SchoolClass.id.in_(current))


def is_homeroom_teacher(account: SchoolAccount) -> bool:
    """True if the staff member leads at least one class."""
    if account is None or account.role != STAFF:
        return False
    return db.session.execute(sa.select(SchoolClass.id).where(
        SchoolClass.school_id == account.school_id,
        SchoolClass.homeroom_teacher_id == account.staff_id).limit(1)).first() is not None


def has_office(account: SchoolAccount) -> bool:
    """True for the admin, the secretary and homeroom teachers (who hand out and reset logins)."""
    return account.role == STAFF and (account.staff.is_admin or account.staff.is_secretary
                                      or is_homeroom_teacher(account))


def office_required(view: Callable) -> Callable:
    """Admin, secretary or a homeroom teacher (the people who hand out and reset logins)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not has_office(current_account()):
            abort(403)
        return view(*args, **kwargs)

    return wrapped
