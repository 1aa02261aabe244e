"""Unified-account logic: sign-in, account creation, password changes.

Services add and flush; the request (or the CLI command) commits. Every
credential check goes through :func:`shared.ratelimit.credential_throttle` and
fails with one exception whatever was wrong, so nobody learns which e-mail
addresses have accounts.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app

from idp.accounts.models import (
    ACTIVE,
    PENDING_ACTIVATION,
    PENDING_CONSENT,
    Account,
    BrowserSession,
)
from idp.core.models import audit
from idp.extensions import db
from idp.oidc.services import revoke_all_tokens
from shared.credentials import InvalidCredentials, PasswordRejected, TooManyAttempts
from shared.database import utcnow
from shared.password_policy import check_password
from shared.passwords import current_hasher
from shared.ratelimit import credential_throttle

LOGIN_SCOPE = "idp-login"

# Deliberately loose (RFC 5321 allows much more): one "@", no spaces, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class AccountError(Exception):
    """Base class of the account domain's errors."""


class AccountNotActive(AccountError):
    """The password was right but the account cannot sign in yet (or any more)."""

    def __init__(self, account: Account) -> None:
        super().__init__(account.status)
        self.account = account
        self.status = account.status


class EmailTaken(AccountError):
    """Another account uses this e-mail address (only said to operators and the owner)."""


def normalize_email(email: str | None) -> str:
    """Return the address trimmed and lower-cased, as it is stored."""
    return (email or "").strip().lower()


def is_valid_email(email: str) -> bool:
    """Return True if ``email`` looks like a deliverable address."""
    return bool(_EMAIL.match(email)) and len(email) <= 320


def find_by_email(email: str) -> Account | None:
    """Return the account with this address (case-insensitive) or None."""
    return db.session.execute(
        sa.select(Account).where(Account.email == normalize_email(email))).scalar_one_or_none()


def password_policy_mode() -> str:
    """The configured password rule ("school" by default, or "nist")."""
    return current_app.config["PASSWORD_POLICY"]


def check_new_password(password: str, *, context: tuple[str, ...] = ()) -> None:
    """Raise :class:`PasswordRejected` unless ``password`` satisfies the policy."""
    result = check_password(password, mode=password_policy_mode(), context=context)
    if not result.ok:
        raise PasswordRejected(result)


def authenticate(email: str, password: str) -> Account:
    """Check e-mail and password and return the account, ready to sign in.

    Unknown addresses cost the same argon2 verification as wrong passwords. The
    status of an account is revealed (:class:`AccountNotActive`) only after the
    right password, so it tells nothing to someone who does not have it.
    """
    email = normalize_email(email)
    throttle = credential_throttle()
    if throttle.blocked(LOGIN_SCOPE, email):
        audit("login.throttled", subject=None)
        raise TooManyAttempts
    account = find_by_email(email) if email else None
    hasher = current_hasher()
    result = hasher.verify(account.password_hash if account else None, password)
    if not result.ok:
        throttle.failed(LOGIN_SCOPE, email)
        audit("login.failed", subject=account.sub if account else None,
              reason="wrong_password" if account else "unknown_account")
        raise InvalidCredentials
    throttle.succeeded(LOGIN_SCOPE, email)
    if result.new_hash:
        account.password_hash = result.new_hash
    if account.status != ACTIVE:
        audit("login.not_active", actor=account.sub, subject=account.sub, status=account.status)
        db.session.flush()
        raise AccountNotActive(account)
    return account


def record_login(account: Account, methods: tuple[str, ...]) -> None:
    """Note a completed sign-in (after the second factor, when there is one)."""
    account.last_login_at = utcnow()
    audit("login.succeeded", actor=account.sub, subject=account.sub, amr=list(methods))
    db.session.flush()


def create_account(email: str, password: str, *, status: str = PENDING_ACTIVATION,
                   given_name: str | None = None, family_name: str | None = None,
                   locale: str | None = None, password_hash: str | None = None) -> Account:
    """Create an account (the caller has checked the password policy and the address)."""
    email = normalize_email(email)
    if not is_valid_email(email):
        raise ValueError("not an e-mail address")
    if find_by_email(email) is not None:
        raise EmailTaken(email)
    now = utcnow()
    account = Account(
        email=email, password_hash=password_hash or current_hasher().hash(password),
        password_changed_at=now, status=status, given_name=given_name or None,
        family_name=family_name or None, locale=locale,
        email_verified_at=now if status == ACTIVE else None, session_version=1)
    db.session.add(account)
    db.session.flush()
    return account


def set_password(account: Account, new_password: str, *, reason: str) -> None:
    """Replace the password, end every other session and revoke the account's tokens."""
    check_new_password(new_password, context=(account.email, account.given_name or "",
                                              account.family_name or ""))
    account.password_hash = current_hasher().hash(new_password)
    account.password_changed_at = utcnow()
    end_all_sessions(account)
    audit("password.changed", actor=account.sub, subject=account.sub, reason=reason)
    db.session.flush()


def end_all_sessions(account: Account) -> None:
    """Sign the account out everywhere: bump ``session_version``, drop session records, revoke tokens."""
    account.session_version = (account.session_version or 1) + 1
    db.session.execute(sa.delete(BrowserSession).where(BrowserSession.account_id == account.id))
    revoke_all_tokens(account)


def status_is_pending(account: Account) -> bool:
    """Return True while the account waits for activation or a parent's consent."""
    return account.status in (PENDING_ACTIVATION, PENDING_CONSENT)

