"""The school's terms of use (regulamin): versions, and who accepted which."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, has_request_context, request

from gradebook_service.accounts.models import SchoolAccount, TermsVersion
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from shared.database import upsert, write_apart

DEFAULT_TERMS = (
    "Regulamin korzystania z e-dziennika\n\n"
    "1. Konto w e-dzienniku zakłada szkoła. Login i hasło są osobiste: nie przekazuj ich innym.\n"
    "2. Dane uczniów widzą tylko ich rodzice (opiekunowie prawni), sam uczeń oraz uprawnieni "
    "pracownicy szkoły.\n"
    "3. Utratę loginu lub hasła zgłoś w sekretariacie, administratorowi lub wychowawcy.\n"
    "4. Szkoła przetwarza dane zgodnie z RODO; szczegóły w sekretariacie szkoły.")


#: ``g`` key of the current terms version the sign-in check read with the account.
_VERSION_KEY = "current_terms_version"


def remember_terms_version(school_id: int, version: int) -> None:
    """Keep, for this request, the school's current terms version read with the account."""
    g.setdefault(_VERSION_KEY, {})[school_id] = version


def terms_version_column() -> sa.ScalarSelect:
    """The account's school's current terms version, as a column next to a SchoolAccount.

    The sign-in check and every signed-in request read it in the same statement as the
    account (then :func:`remember_terms_version`), so the first-login gate costs no query.
    """
    return sa.select(sa.func.max(TermsVersion.version)).where(
        TermsVersion.school_id == SchoolAccount.school_id).correlate(
        SchoolAccount).scalar_subquery()


def current_terms_version(school_id: int) -> int:
    """The number of the school's current terms (read once per request at most)."""
    known = g.get(_VERSION_KEY, {}).get(school_id)
    return known if known is not None else current_terms(school_id).version


def current_terms(school_id: int) -> TermsVersion:
    """The school's current terms; version 1 with the default text is created if none exist.

    Every page's gate asks for them, so the first requests of a new school race to
    create version 1: an ``INSERT … ON CONFLICT DO NOTHING`` lets all of them win.
    During a GET it is written apart from the page's transaction (a page that reads
    never fails on it); otherwise (a form, the CLI) it joins the caller's transaction,
    which may hold the school row itself.
    """
    terms = _newest_terms(school_id)
    if terms is not None:
        return terms
    statement = upsert(db, TermsVersion.__table__,
                       {"school_id": school_id, "version": 1, "body": DEFAULT_TERMS},
                       keys=("school_id", "version"))
    if has_request_context() and request.method in ("GET", "HEAD"):
        write_apart(db, statement, "the default terms")
    else:
        db.session.execute(statement)
    # Not yet visible to this transaction (SQLite keeps a reader's snapshot) or not
    # written: the default version 1 is what the row holds, so answer with it unsaved.
    return _newest_terms(school_id) or TermsVersion(school_id=school_id, version=1,
                                                    body=DEFAULT_TERMS)


def _newest_terms(school_id: int) -> TermsVersion | None:
    return db.session.execute(
        sa.select(TermsVersion).where(TermsVersion.school_id == school_id)
        .order_by(TermsVersion.version.desc()).limit(1)).scalar_one_or_none()


def publish_terms(school_id: int, body: str, by: SchoolAccount) -> TermsVersion:
    """Publish a new terms version: everyone is asked to accept it at their next visit."""
    version = current_terms(school_id).version + 1
    terms = TermsVersion(school_id=school_id, version=version, body=body.strip(),
                         published_by_id=by.id)
    db.session.add(terms)
    db.session.flush()
    remember_terms_version(school_id, version)
    audit("terms.published", actor=by.login, version=version)
    return terms


def needs_terms(account: SchoolAccount) -> bool:
    """True until the account accepted the current version of its school's terms."""
    accepted = account.terms_version_accepted or 0
    return accepted < current_terms_version(account.school_id)


def accept_terms(account: SchoolAccount, version: int) -> None:
    """Record that the account accepted terms ``version``."""
    account.terms_version_accepted = version
    audit("terms.accepted", actor=account.login, version=version)
