"""The browser session of a school sign-in: how the person signed in and where they go next."""

from __future__ import annotations

from flask import redirect, session, url_for

from gradebook_service.accounts.access import sign_in
from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.accounts.signin import must_enrol_second_factor, record_login
from gradebook_service.accounts.terms import needs_terms
from gradebook_service.school.keys import get_owned
from shared.security import safe_next

AUTH_METHOD_KEY = "auth_method"
PENDING_2FA_KEY = "pending_2fa"
#: The family accounts an SSO sign-in may switch between, and its ID token (for logout).
LINKED_KEY = "linked_accounts"
ID_TOKEN_KEY = "oidc_id_token"  # noqa: S105 - a session key name
NEXT_KEY = "after_login"


def pending_second_factor_account() -> SchoolAccount | None:
    """The account whose password was just accepted and whose second step is awaited, if any."""
    pending = session.get(PENDING_2FA_KEY)
    account = get_owned(SchoolAccount, pending.get("school"), pending["id"]) if pending else None
    if account is None or account.session_version != pending.get("v") or not account.is_active:
        return None
    return account


def pending_step(account: SchoolAccount) -> str | None:
    """The endpoint of the first step the account still has to complete, or None."""
    if session.get(AUTH_METHOD_KEY) != "sso" and account.must_change_password:
        return "accounts.first_login"
    if needs_terms(account):
        return "accounts.first_login"
    if must_enrol_second_factor(account):
        return "accounts.totp_setup"
    return None


def finish_sign_in(account: SchoolAccount, method: str, next_url: str | None = None):
    """Start the session and continue with the first pending step or the wanted page."""
    sign_in(account)
    session[AUTH_METHOD_KEY] = method
    record_login(account, method)
    step = pending_step(account)
    if step is not None:
        return redirect(url_for(step))
    return redirect(safe_next(next_url, url_for("home.index")))


def renew_session(account: SchoolAccount) -> None:
    """Sign ``account`` in afresh, keeping how the person signed in and their linked accounts."""
    kept = {key: session.get(key) for key in (AUTH_METHOD_KEY, LINKED_KEY, ID_TOKEN_KEY)}
    sign_in(account)
    session.update({key: value for key, value in kept.items() if value})
