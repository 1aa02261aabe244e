"""What the owner of an account can change or see about it.

Sensitive changes (password, e-mail, second factor, deletion) ask for the
current password again, counted like sign-in failures.
"""

from __future__ import annotations

import sqlalchemy as sa

from idp.accounts import throttle
from idp.accounts.mail import send_mail
from idp.accounts.models import Account, RecoveryCode
from idp.accounts.services import (
    EmailTaken,
    find_by_email,
    normalize_email,
    set_password,
)
from idp.core.models import AuditEvent, audit
from idp.extensions import db
from idp.oidc.services import list_app_consents, revoke_all_tokens
from idp.parental_consent.models import ParentalConsent
from idp.parental_consent.services import public_url
from idp.school_link.backchannel import PARENT, PUPIL
from idp.school_link.services import (
    SchoolLinkError,
    check_school_credentials,
    claim_school_account,
    ensure_claimable,
)
from shared.credentials import InvalidCredentials, TooManyAttempts
from shared.database import utcnow
from shared.passwords import current_hasher
from shared.ratelimit import credential_throttle
from shared.tokens import (
    TokenError,
    TokenExpired,
    TokenPurpose,
    load_link,
    state_fingerprint,
    token_service,
)

REAUTH_SCOPE = "idp-reauth"
EMAIL_CHANGE_LINK = TokenPurpose(salt="idp.email-change", max_age=24 * 3600)


class SettingsError(Exception):
    """Base class of the settings errors."""


class SameEmail(SettingsError):
    """The new address is the current one."""


class EmailChangeThrottled(SettingsError):
    """Too many e-mail change requests."""


class EmailLinkInvalid(SettingsError):
    """The confirmation link is tampered with, superseded or already used."""


class EmailLinkExpired(SettingsError):
    """The confirmation link is older than a day."""


class WrongKindOfLogin(SchoolLinkError):
    """Parents link parent logins; a pupil's account keeps its one pupil login."""


def reauthenticate(account: Account, password: str) -> None:
    """Check the current password before a sensitive change."""
    throttle = credential_throttle()
    if throttle.blocked(REAUTH_SCOPE, account.sub):
        raise TooManyAttempts
    result = current_hasher().verify(account.password_hash, password or "")
    if not result.ok:
        throttle.failed(REAUTH_SCOPE, account.sub)
        audit("reauth.failed", actor=account.sub, subject=account.sub)
        raise InvalidCredentials
    throttle.succeeded(REAUTH_SCOPE, account.sub)
    if result.new_hash:
        account.password_hash = result.new_hash


def change_password(account: Account, current: str, new: str) -> None:
    """Replace the password after checking the current one; other sessions end."""
    reauthenticate(account, current)
    set_password(account, new, reason="settings")
    send_mail(account.email, "accounts/mail/password_changed",
              login_link=public_url("recovery.request_reset"))


# --- e-mail address ---------------------------------------------------------------------------


def _email_state(account: Account) -> str:
    return state_fingerprint(account.id, account.email, account.session_version)


def request_email_change(account: Account, new_email: str, password: str) -> None:
    """Mail a confirmation link to the new address and a notice to the current one."""
    new_email = normalize_email(new_email)
    reauthenticate(account, password)
    if new_email == account.email:
        raise SameEmail
    if not throttle.allow("email_change", account.sub):
        raise EmailChangeThrottled
    if find_by_email(new_email) is not None:
        # Same answer as for a free address; the holder of that address is told instead.
        send_mail(new_email, "settings/mail/email_taken")
    else:
        token = token_service(EMAIL_CHANGE_LINK).dumps({"a": account.id, "e": new_email},
                                                       state=_email_state(account))
        send_mail(new_email, "settings/mail/email_confirm",
                  link=public_url("settings.confirm_email", token=token))
    send_mail(account.email, "settings/mail/email_change_requested", new_email=new_email)
    audit("email.change_requested", actor=account.sub, subject=account.sub)


def email_change_from_token(token: str) -> tuple[Account, str]:
    """Return the account and the new address a confirmation link is for."""
    try:
        account, data = load_link(EMAIL_CHANGE_LINK, token, session=db.session, model=Account,
                                  state=_email_state)
    except TokenExpired as exc:
        raise EmailLinkExpired from exc
    except TokenError as exc:
        raise EmailLinkInvalid from exc
    if not isinstance(data.get("e"), str):
        raise EmailLinkInvalid
    return account, data["e"]


def confirm_email_change(account: Account, new_email: str) -> None:
    """Switch to the confirmed address and tell the old one."""
    if find_by_email(new_email) is not None:
        raise EmailTaken(new_email)
    old = account.email
    account.email = new_email
    account.email_verified_at = utcnow()
    db.session.flush()
    send_mail(old, "settings/mail/email_changed", new_email=new_email)
    audit("email.changed", actor=account.sub, subject=account.sub)


# --- school accounts ----------------------------------------------------------------------


def link_school_account(account: Account, login: str, password: str):
    """Link another school login (a parent's login for another child), proven through the gradebook."""
    answer = check_school_credentials(login, password)
    roles = {link.role for link in account.school_links}
    # A pupil login belongs to a pupil's own account; a pupil account has only that one.
    already_linked = any(link.ref == answer.ref for link in account.school_links)
    if (answer.role == PUPIL or PUPIL in roles) and not already_linked:
        raise WrongKindOfLogin(answer.role)
    ensure_claimable(answer, account)
    return claim_school_account(account, answer)


def children(account: Account) -> list[dict]:
    """The children the account sees through its parent logins (for the settings page)."""
    return [{"name": link.pupil_display_name, "school": link.school, "ref": link.pupil_ref}
            for link in account.school_links if link.role == PARENT]


# --- activity, data, deletion --------------------------------------------------------------


def recent_events(account: Account, limit: int = 30) -> list[AuditEvent]:
    """The account's recent security events, newest first."""
    return list(db.session.execute(
        sa.select(AuditEvent).where(sa.or_(AuditEvent.subject == account.sub,
                                           AuditEvent.actor == account.sub))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)).scalars())


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(account: Account) -> dict:
    """Everything the IdP keeps about the account (GDPR art. 15 and 20), as JSON-ready data."""
    consents = db.session.execute(sa.select(ParentalConsent).where(sa.or_(
        ParentalConsent.pupil_account_id == account.id,
        ParentalConsent.parent_account_id == account.id))).scalars()
    apps = [{"client_id": c.client_id, "name": c.client_name, "scopes": list(c.scopes),
             "granted_at": _iso(c.granted_at)} for c in list_app_consents(account)]
    codes_left = db.session.execute(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))).scalar_one()
    return {
        "account": {"sub": account.sub, "email": account.email,
                    "email_verified_at": _iso(account.email_verified_at),
                    "given_name": account.given_name, "family_name": account.family_name,
                    "status": account.status, "locale": account.locale,
                    "created_at": _iso(account.created_at),
                    "password_changed_at": _iso(account.password_changed_at),
                    "last_login_at": _iso(account.last_login_at),
                    "terms_version": account.terms_version,
                    "terms_accepted_at": _iso(account.terms_accepted_at),
                    "two_factor_enabled": account.totp_enabled_at is not None,
                    "recovery_codes_left": codes_left},
        "school_accounts": [{"ref": link.ref, "role": link.role,
                             "display_name": link.display_name, "school": link.school,
                             "pupil_ref": link.pupil_ref,
                             "pupil_display_name": link.pupil_display_name,
                             "linked_at": _iso(link.created_at)}
                            for link in account.school_links],
        "parental_consents": [{"pupil": c.pupil_display_name, "school": c.school,
                               "status": c.status, "parent_email": c.parent_email,
                               "decided_at": _iso(c.decided_at), "method": c.method,
                               "notice_version": c.notice_version,
                               "withdrawn_at": _iso(c.withdrawn_at)} for c in consents],
        "apps": apps,
        "security_events": [{"at": _iso(e.created_at), "event": e.event, "ip": e.ip,
                             "user_agent": e.user_agent} for e in recent_events(account, 500)],
    }


def delete_account(account: Account, password: str) -> None:
    """Delete the account for good, after the password; apps lose their tokens."""
    reauthenticate(account, password)
    revoke_all_tokens(account)
    audit("account.deleted", actor=account.sub, subject=account.sub)
    send_mail(account.email, "settings/mail/account_deleted")
    db.session.delete(account)
    db.session.flush()
