"""Password recovery by e-mail.

The answer to "send me a link" is the same whether or not the address has an
account. The link is signed, lives one hour and is tied to the account's
password and last sign-in, so it works once and dies when either changes.
"""

from __future__ import annotations

from idp.accounts import throttle
from idp.accounts.mail import send_mail
from idp.accounts.models import ACTIVE, PENDING_ACTIVATION, PENDING_CONSENT, Account
from idp.accounts.services import find_by_email, normalize_email, set_password
from idp.core.models import audit
from idp.extensions import db
from idp.parental_consent.services import public_url
from shared.tokens import (
    TokenError,
    TokenExpired,
    TokenPurpose,
    load_link,
    state_fingerprint,
    token_service,
)

RESET_LINK = TokenPurpose(salt="idp.password-reset", max_age=3600)


class RecoveryError(Exception):
    """Base class of the recovery errors."""


class RecoveryThrottled(RecoveryError):
    """Too many requests for this address or from this client."""


class ResetLinkInvalid(RecoveryError):
    """The link is tampered with, already used, or the account changed since."""


class ResetLinkExpired(RecoveryError):
    """The link is older than an hour."""


def _state(account: Account) -> str:
    return state_fingerprint(account.id, account.email, account.password_hash,
                             account.password_changed_at, account.last_login_at, account.status)


def request_reset(email: str) -> None:
    """Mail a reset link if ``email`` has an account (an activation link if it is not active yet)."""
    email = normalize_email(email)
    if not throttle.allow("recovery", email):
        raise RecoveryThrottled
    account = find_by_email(email)
    if account is None:
        return
    if account.status == PENDING_ACTIVATION:
        from idp.registration.services import send_activation

        send_activation(account)
    elif account.status in (ACTIVE, PENDING_CONSENT):
        token = token_service(RESET_LINK).dumps({"a": account.id}, state=_state(account))
        send_mail(account.email, "recovery/mail/reset",
                  link=public_url("recovery.reset", token=token),
                  valid_minutes=RESET_LINK.max_age // 60)
    audit("password.reset_requested", subject=account.sub)


def account_for_reset(token: str) -> Account:
    """Return the account a reset link is for, if the link is still good."""
    try:
        account, _data = load_link(RESET_LINK, token, session=db.session, model=Account,
                                   state=_state)
    except TokenExpired as exc:
        raise ResetLinkExpired from exc
    except TokenError as exc:
        raise ResetLinkInvalid from exc
    return account


def reset_password(account: Account, new_password: str) -> None:
    """Set the new password; every session ends and every app's tokens are revoked."""
    set_password(account, new_password, reason="recovery")
    send_mail(account.email, "accounts/mail/password_changed",
              login_link=public_url("accounts.login"))
