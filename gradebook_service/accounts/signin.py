"""Signing in with the school login, and the password the user chooses for it.

Every credential check goes through :func:`shared.ratelimit.credential_throttle`
and fails with one of :mod:`shared.credentials`' errors, whatever was wrong.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.logins import normalise_login
from gradebook_service.accounts.models import PARENT, STAFF, SchoolAccount
from gradebook_service.accounts.terms import remember_terms_version, terms_version_column
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from shared.credentials import InvalidCredentials, PasswordRejected, TooManyAttempts
from shared.database import utcnow
from shared.password_policy import PolicyResult, Violation, check_password
from shared.passwords import current_hasher
from shared.ratelimit import credential_throttle

LOGIN_SCOPE = "gradebook-login"


def authenticate(login: str, password: str, *, scope: str = LOGIN_SCOPE,
                 ip: str | None = None) -> SchoolAccount:
    """Return the account for ``login``/``password``; the same error for any wrong part.

    Failures count per login and per client address (``ip``; the request's by default).
    """
    login = normalise_login(login)
    throttle = credential_throttle()
    if throttle.blocked(scope, login, ip):
        raise TooManyAttempts()
    row = db.session.execute(_account_statement(), {"login": login}).one_or_none()
    account, terms_version = row if row is not None else (None, None)
    stored = account.password_hash if account is not None and account.is_active else None
    result = current_hasher().verify(stored, password or "")
    if not result.ok:
        throttle.failed(scope, login, ip)
        audit("login.failed", subject=login if account is not None else None, scope=scope)
        raise InvalidCredentials()
    throttle.succeeded(scope, login)
    if terms_version is not None:
        remember_terms_version(account.school_id, terms_version)  # for the first-login gate
    if result.new_hash:
        account.password_hash = result.new_hash
    return account


@cache
def _account_statement() -> sa.Select:
    """The account of a login with its school's current terms version, built once per process.

    The sign-in's next step (the first-login gate) needs the terms version: read here, it
    costs no query of its own; building the statement per sign-in cost more than running it.
    """
    return sa.select(SchoolAccount, terms_version_column()).where(
        SchoolAccount.login == sa.bindparam("login"))


def record_login(account: SchoolAccount, method: str) -> None:
    """Note a completed sign-in."""
    account.last_login_at = utcnow()
    audit("login.succeeded", actor=account.login, method=method)


def needs_second_factor(account: SchoolAccount) -> bool:
    """Staff always need a second factor once enrolled; families when they turned it on."""
    return account.totp_enabled or bool(account.passkey_count)


def must_enrol_second_factor(account: SchoolAccount) -> bool:
    """Staff accounts may not be used until a second factor (TOTP or a passkey) is enrolled."""
    return account.role == STAFF and not account.totp_enabled and not account.passkey_count


def password_context(account: SchoolAccount) -> list[str]:
    """The account's own identifiers, refused inside a password."""
    context = [account.login, account.recovery_email or ""]
    if account.role == STAFF and account.staff is not None:
        context += [account.staff.first_name, account.staff.last_name, account.staff.email or ""]
    pupil = account.family_pupil()
    if pupil is not None:
        context += [pupil.first_name, pupil.last_name]
    if account.role == PARENT and account.guardianship is not None:
        guardian = account.guardianship.guardian
        context += [guardian.first_name, guardian.last_name, guardian.email or ""]
    return [c for c in context if c]


def check_new_password(account: SchoolAccount, new_password: str) -> PolicyResult:
    """Check a password the user chose, against the policy and their own identifiers."""
    mode = current_app.config["PASSWORD_POLICY"]
    return check_password(new_password, mode=mode, context=password_context(account))


def set_own_password(account: SchoolAccount, new_password: str) -> None:
    """Set a password the user chose; ends the account's other sessions."""
    result = check_new_password(account, new_password)
    if not result.ok:
        raise PasswordRejected(result)
    if account.password_hash and current_hasher().verify(account.password_hash, new_password).ok:
        raise PasswordRejected(PolicyResult((_same_password_violation(),), ()))
    account.password_hash = current_hasher().hash(new_password)
    account.password_changed_at = utcnow()
    account.must_change_password = False
    account.session_version = (account.session_version or 1) + 1
    audit("password.changed", actor=account.login)


def _same_password_violation():


    return Violation("same_as_issued", _l("Choose a password different from the one issued."))
