"""Password recovery by e-mail.

The answer to "send me a link" is the same whether or not the address has an
account, and so is the work behind it: the request only records a mail request
(:mod:`shared.mail_requests`); the mail sender looks the account up and mails the
link later, so the answer time does not tell whether the address is known. The
link is signed, lives one hour and is tied to the account's password and last
sign-in, so it works once and dies when either changes.
"""

from __future__ import annotations

from flask_babel import force_locale, get_locale

from idp.accounts import throttle
from idp.accounts.mail import send_mail
from idp.accounts.models import ACTIVE, PENDING_ACTIVATION, PENDING_CONSENT, Account
from idp.accounts.services import find_by_email, normalize_email, set_password
from idp.core.models import audit
from idp.extensions import db, mail_requests
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
#: The kind of mail request (shared.mail_requests) that asks for a reset link.
RECOVERY_REQUEST = "idp.recovery"


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
    """Ask for a reset link for ``email``: the same work whether or not it has an account."""
    email = normalize_email(email)
    if not throttle.allow("recovery", email):
        raise RecoveryThrottled
    mail_requests.record(RECOVERY_REQUEST, email, str(get_locale() or "pl"))


@mail_requests.handler(RECOVERY_REQUEST)
def mail_reset_link(email: str, locale: str | None) -> None:
    """Mail a reset link if ``email`` has an account (an activation link if it is not active yet).

    Runs in the mail sender, not in the request (module docstring); nothing for strangers.
    """
    account = find_by_email(email)
    if account is None:
        return
    with force_locale(account.locale or locale or "pl"):
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
