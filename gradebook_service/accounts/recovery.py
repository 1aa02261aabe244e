"""Recovery by e-mail: confirming the recovery address, and password-reset links sent to it.

Both links are signed, expire and are tied to the account's state
(:mod:`shared.tokens`), so each works once. The mails' text is in
``templates/accounts/mail/`` (subject and body), in the user's language.

A reset request only records a mail request (:mod:`shared.mail_requests`): the
mail sender looks the login up and mails the link later, so the answer time does
not tell whether a login exists or has a confirmed address.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import force_locale, get_locale

from gradebook_service.accounts.logins import normalise_login
from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.core.models import audit
from gradebook_service.extensions import db, mail_requests, outbox
from shared.database import utcnow
from shared.ratelimit import credential_throttle
from shared.tokens import TokenPurpose, load_link, state_fingerprint, token_service

RESET_SCOPE = "gradebook-reset"
EMAIL_VERIFY = TokenPurpose("gradebook-email-verify", 3 * 24 * 3600)
PASSWORD_RESET = TokenPurpose("gradebook-password-reset", 3600)
#: The kind of mail request (shared.mail_requests) that asks for a reset link.
RESET_REQUEST = "gradebook.password-reset"


def _send_mail(recipient: str, name: str, **context) -> None:
    """Queue the mail ``name`` (``accounts/mail/<name>.subject.txt`` and ``.txt``)."""
    subject = " ".join(render_template(f"accounts/mail/{name}.subject.txt", **context).split())
    outbox.enqueue(recipient, subject,
                   render_template(f"accounts/mail/{name}.txt", **context).strip())


def _email_state(account: SchoolAccount) -> str:
    return state_fingerprint(account.id, account.recovery_email,
                             account.recovery_email_verified_at)


def request_recovery_email(account: SchoolAccount, email: str) -> None:
    """Store an unverified recovery e-mail and mail a verification link to it."""
    email = email.strip()
    account.recovery_email = email
    account.recovery_email_verified_at = None
    db.session.flush()
    # The account's key (school, id): load_link reads the row by its primary key.
    token = token_service(EMAIL_VERIFY).dumps({"a": [account.school_id, account.id], "e": email},
                                              state=_email_state(account))
    _send_mail(email, "verify_email", login=account.login,
               link=url_for("accounts.verify_email", token=token, _external=True))
    audit("email.verification_sent", actor=account.login)


def verify_recovery_email(token: str) -> SchoolAccount:
    """Confirm the recovery e-mail from a mailed link (works once); raise a ``TokenError``."""
    account, _data = load_link(EMAIL_VERIFY, token, session=db.session, model=SchoolAccount,
                               state=_email_state)
    account.recovery_email_verified_at = utcnow()
    audit("email.verified", actor=account.login)
    return account


def _reset_state(account: SchoolAccount) -> str | None:
    if not account.is_active:
        return None
    return state_fingerprint(account.id, account.password_hash, account.session_version)


def request_password_reset(login: str) -> None:
    """Ask for a reset link for ``login``: the same work whether or not it exists; silent."""
    login = normalise_login(login)
    throttle = credential_throttle()
    if throttle.blocked(RESET_SCOPE, login):
        return
    throttle.failed(RESET_SCOPE, login)  # every request counts: no mail bombing
    mail_requests.record(RESET_REQUEST, login, str(get_locale() or "pl"))


@mail_requests.handler(RESET_REQUEST)
def mail_reset_link(login: str, locale: str | None) -> None:
    """Mail a reset link if ``login`` exists with a verified e-mail (runs in the mail sender)."""
    account = db.session.execute(
        sa.select(SchoolAccount).where(SchoolAccount.login == login)).scalar_one_or_none()
    if (account is None or not account.is_active or not account.recovery_email
            or account.recovery_email_verified_at is None or account.password_hash is None):
        return
    token = token_service(PASSWORD_RESET).dumps({"a": [account.school_id, account.id]},
                                                state=_reset_state(account))
    with force_locale(account.locale or locale or "pl"):
        _send_mail(account.recovery_email, "password_reset", login=account.login,
                   link=url_for("accounts.reset_password", token=token, _external=True))
    audit("password.reset_mailed", subject=account.login)


def account_from_reset_token(token: str) -> SchoolAccount:
    """Return the account a reset link is for, if the link is still good; raise a ``TokenError``."""
    account, _data = load_link(PASSWORD_RESET, token, session=db.session, model=SchoolAccount,
                               state=_reset_state)
    return account
