"""Registering a unified account with a school login, and activating it from the mailed link.

Registration never tells anyone whether an e-mail address already has an
account: for a known address the page is the same as for a new one, the same
work is done (one argon2 hash, one back-channel call), and the owner gets a mail
instead. Activation links are signed, live 48 hours, and are tied to the
account's state, so they work once and only the newest one works.
"""

from __future__ import annotations

import secrets

from flask_babel import force_locale, get_locale

from idp.accounts import throttle
from idp.accounts.mail import send_mail
from idp.accounts.models import ACTIVE, PENDING_ACTIVATION, Account
from idp.accounts.services import (
    check_new_password,
    create_account,
    find_by_email,
    normalize_email,
)
from idp.core.models import audit
from idp.extensions import db, mail_requests
from idp.parental_consent import services as consent
from idp.school_link.backchannel import PUPIL
from idp.school_link.services import (
    check_school_credentials,
    claim_school_account,
    ensure_claimable,
)
from shared.database import utcnow
from shared.passwords import current_hasher
from shared.tokens import (
    TokenError,
    TokenExpired,
    TokenPurpose,
    load_link,
    state_fingerprint,
    token_service,
)

ACTIVATION_LINK = TokenPurpose(salt="idp.account-activation", max_age=48 * 3600)
TERMS_VERSION = "2026-09"
#: The kind of mail request (shared.mail_requests) that asks for a new activation link.
RESEND_REQUEST = "idp.resend-activation"


class RegistrationError(Exception):
    """Base class of the registration errors."""


class ParentEmailRequired(RegistrationError):
    """A pupil must give a parent's e-mail address."""


class ParentEmailIsOwn(RegistrationError):
    """The parent's address equals the pupil's own."""


class RegistrationThrottled(RegistrationError):
    """Too many registrations from this client or for this address."""


class ActivationLinkInvalid(RegistrationError):
    """The link was tampered with, superseded or already used."""


class ActivationLinkExpired(RegistrationError):
    """The link is older than 48 hours."""


def register(*, email: str, password: str, school_login: str, school_password: str,
             parent_email: str | None, locale: str | None) -> None:
    """Register ``email`` for the school account proven by ``school_login``/``school_password``.

    Raises the policy, back-channel, school-link and registration errors; returns
    nothing on success, whether the address was new or known (see module docstring).
    """
    email = normalize_email(email)
    parent_email = normalize_email(parent_email) or None
    if not throttle.allow("register", email):
        raise RegistrationThrottled
    check_new_password(password, context=(email, school_login))
    answer = check_school_credentials(school_login, school_password)
    if answer.role == PUPIL:
        if not parent_email:
            raise ParentEmailRequired
        if parent_email == email:
            raise ParentEmailIsOwn
    # Checked before looking at the address, so the answer about the school login is the
    # same whether the address is known or not.
    ensure_claimable(answer)
    # The hash is computed on both paths, so both cost the same.
    password_hash = current_hasher().hash(password)
    existing = find_by_email(email)
    if existing is not None:
        _tell_owner(existing)
        return
    account = create_account(email, password, status=PENDING_ACTIVATION,
                             password_hash=password_hash, locale=locale)
    account.terms_version = TERMS_VERSION
    account.terms_accepted_at = utcnow()
    claim_school_account(account, answer)
    if answer.role == PUPIL and consent.needs_consent(answer):
        consent.create_request(account, answer, parent_email)
    audit("account.registered", actor=account.sub, subject=account.sub, role=answer.role)
    send_activation(account)


def _tell_owner(account: Account) -> None:
    """Mail the owner of a known address that someone tried to register it."""
    link = send_activation(account, mail=False) if account.status == PENDING_ACTIVATION else None
    send_mail(account.email, "registration/mail/already_registered",
              activation_link=link,
              login_link=consent.public_url("accounts.login"),
              reset_link=_reset_url())
    audit("account.registration_repeated", subject=account.sub)


def _reset_url() -> str | None:
    from werkzeug.routing import BuildError

    try:
        return consent.public_url("recovery.request_reset")
    except BuildError:
        return None


def _state(account: Account) -> str:
    return state_fingerprint(account.id, account.email, account.status, account.activation_nonce)


def send_activation(account: Account, *, mail: bool = True) -> str:
    """Make a new activation link (older ones stop working) and mail it; return the link."""
    account.activation_nonce = secrets.token_hex(16)
    db.session.flush()
    token = token_service(ACTIVATION_LINK).dumps({"a": account.id}, state=_state(account))
    link = consent.public_url("registration.activate", token=token)
    if mail:
        send_mail(account.email, "registration/mail/activation", link=link,
                  valid_hours=ACTIVATION_LINK.max_age // 3600)
    return link


def account_for_activation(token: str) -> Account:
    """Return the account an activation link is for, if the link is still good."""
    try:
        account, _data = load_link(ACTIVATION_LINK, token, session=db.session, model=Account,
                                   state=_state)
    except TokenExpired as exc:
        raise ActivationLinkExpired from exc
    except TokenError as exc:
        raise ActivationLinkInvalid from exc
    if account.status != PENDING_ACTIVATION:
        raise ActivationLinkInvalid
    return account


def activate(account: Account) -> str:
    """Confirm the address; the account becomes active, or waits for a parent's consent."""
    account.email_verified_at = utcnow()
    account.activation_nonce = None
    account.status = ACTIVE
    db.session.flush()
    waiting = consent.after_activation(account)
    audit("account.activated", actor=account.sub, subject=account.sub,
          waiting_for_consent=waiting)
    return account.status


def resend_activation(email: str) -> None:
    """Ask for a new activation link for ``email``: the same work whether or not it has an account.

    The request is only recorded (:mod:`shared.mail_requests`), so the answer time does
    not tell whether the address has an account; the mail sender resolves it.
    """
    email = normalize_email(email)
    if not throttle.allow("resend", email):
        raise RegistrationThrottled
    mail_requests.record(RESEND_REQUEST, email, str(get_locale() or "pl"))


@mail_requests.handler(RESEND_REQUEST)
def mail_new_activation(email: str, locale: str | None) -> None:
    """Send a new activation link if ``email`` has an account waiting for one (nothing otherwise)."""
    account = find_by_email(email)
    if account is not None and account.status == PENDING_ACTIVATION:
        with force_locale(account.locale or locale or "pl"):
            send_activation(account)
        audit("account.activation_resent", subject=account.sub)
