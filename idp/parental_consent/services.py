"""Parental consent: request by mail, prove parenthood, decide, withdraw.

A pupil younger than the consent age (``PARENTAL_CONSENT_AGE``, default 16,
as art. 8 GDPR and the Polish act set it) gets an account that stays
``pending_consent`` until a parent agrees. The parent proves they are the
pupil's parent either with a unified account linked to that pupil's parent
login, or with that parent login and password (checked by the gradebook). An
e-mail address alone proves nothing: a pupil could give their own second one.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import current_app, request, url_for

from idp.accounts.mail import send_mail
from idp.accounts.models import ACTIVE, DISABLED, PENDING_CONSENT, Account
from idp.accounts.services import end_all_sessions
from idp.core.models import audit
from idp.extensions import db
from idp.parental_consent.models import (
    BY_SCHOOL_LOGIN,
    BY_UNIFIED_ACCOUNT,
    GRANTED,
    REFUSED,
    REQUESTED,
    WAITING,
    WITHDRAWN,
    ParentalConsent,
)
from idp.school_link.backchannel import PARENT, SchoolAccountAnswer
from idp.school_link.services import check_school_credentials, parent_links_for_pupil
from shared.database import utcnow
from shared.tokens import TokenError, TokenPurpose, load_link, state_fingerprint, token_service

CONSENT_LINK = TokenPurpose(salt="idp.parental-consent", max_age=14 * 24 * 3600)
#: Bump when the text parents are shown before deciding changes.
NOTICE_VERSION = "2026-09"


class ConsentError(Exception):
    """Base class of the parental-consent errors."""


class ConsentLinkInvalid(ConsentError):
    """The link is tampered with, superseded, already used or expired."""


class NotTheParent(ConsentError):
    """The proof offered is not a parent login of this pupil."""


class ConsentThrottled(ConsentError):
    """Too many consent requests for this pupil."""


def consent_age() -> int:
    """The age from which a pupil needs no parent's consent."""
    return current_app.config["PARENTAL_CONSENT_AGE"]


def needs_consent(answer: SchoolAccountAnswer) -> bool:
    """Return True for a pupil below the consent age (or of unknown age)."""
    return answer.pupil_age is None or answer.pupil_age < consent_age()


def latest_for(pupil: Account) -> ParentalConsent | None:
    """The newest consent record of ``pupil``."""
    return db.session.execute(
        sa.select(ParentalConsent).where(ParentalConsent.pupil_account_id == pupil.id)
        .order_by(ParentalConsent.id.desc()).limit(1)).scalar_one_or_none()


def create_request(pupil: Account, answer: SchoolAccountAnswer, parent_email: str) -> ParentalConsent:
    """Record that ``pupil`` needs consent from ``parent_email`` (mailed after activation)."""
    consent = ParentalConsent(pupil_account_id=pupil.id, pupil_ref=answer.pupil_ref or answer.ref,
                              pupil_display_name=(answer.pupil_display_name
                                                  or answer.display_name)[:200],
                              school=answer.school[:200], parent_email=parent_email,
                              status=WAITING, request_count=0)
    db.session.add(consent)
    db.session.flush()
    return consent


def consent_required_for(pupil: Account) -> bool:
    """Return True if the pupil's account waits for a parent's decision."""
    consent = latest_for(pupil)
    return consent is not None and consent.status in (WAITING, REQUESTED, REFUSED)


def _state(consent: ParentalConsent) -> str:
    pupil = consent.pupil_account
    return state_fingerprint(consent.id, consent.status, consent.request_nonce,
                             pupil.status if pupil else None)


def public_url(endpoint: str, **values) -> str:
    """An absolute link on the IdP's public address (for mails)."""
    return current_app.config["IDP_ISSUER"].rstrip("/") + url_for(endpoint, **values)


def send_request(consent: ParentalConsent) -> None:
    """Mail the parent a (new) consent link; older links stop working."""
    consent.request_nonce = secrets.token_hex(16)
    consent.status = REQUESTED
    consent.requested_at = utcnow()
    consent.request_count = (consent.request_count or 0) + 1
    db.session.flush()
    token = token_service(CONSENT_LINK).dumps({"c": consent.id}, state=_state(consent))
    send_mail(consent.parent_email, "parental_consent/mail/request",
              pupil_name=consent.pupil_display_name, school=consent.school,
              pupil_email=consent.pupil_account.email,
              link=public_url("parental_consent.decide", token=token),
              valid_days=CONSENT_LINK.max_age // 86400, consent_age=consent_age())
    audit("consent.requested", actor=consent.pupil_account.sub,
          subject=consent.pupil_account.sub, consent=consent.id)


def after_activation(pupil: Account) -> bool:
    """Move a freshly activated pupil to ``pending_consent`` and ask the parent; True if so."""
    consent = latest_for(pupil)
    if consent is None or consent.status != WAITING:
        return False
    pupil.status = PENDING_CONSENT
    db.session.flush()
    send_request(consent)
    return True


def resend_request(pupil: Account) -> ParentalConsent:
    """Ask the parent again (after a lost mail or a refusal)."""
    from idp.accounts import throttle

    consent = latest_for(pupil)
    if consent is None or pupil.status != PENDING_CONSENT or consent.status == GRANTED:
        raise ConsentLinkInvalid
    if not throttle.allow("consent_request", pupil.sub):
        raise ConsentThrottled
    send_request(consent)
    return consent


def consent_from_token(token: str) -> ParentalConsent:
    """Return the consent a mailed link is for, if the link is still good."""
    try:
        consent, _data = load_link(CONSENT_LINK, token, session=db.session,
                                   model=ParentalConsent, state=_state, key="c")
    except TokenError as exc:
        raise ConsentLinkInvalid from exc
    if consent.status != REQUESTED:
        raise ConsentLinkInvalid
    return consent


def can_decide_as(account: Account | None, consent: ParentalConsent) -> bool:
    """Return True if a signed-in ``account`` has a parent login of this pupil."""
    if account is None or account.id == consent.pupil_account_id or not account.is_active:
        return False
    return bool(parent_links_for_pupil(account, consent.pupil_ref))


def prove_by_school_login(consent: ParentalConsent, login: str, password: str) -> SchoolAccountAnswer:
    """Check a parent login of the pupil through the gradebook; raise :class:`NotTheParent`."""
    answer = check_school_credentials(login, password)
    if answer.role != PARENT or answer.pupil_ref != consent.pupil_ref:
        audit("consent.proof_rejected", subject=consent.pupil_account.sub, role=answer.role)
        raise NotTheParent
    return answer


def decide(consent: ParentalConsent, accept: bool, *, method: str, parent_ref: str | None,
           parent_name: str | None, parent_account: Account | None) -> None:
    """Record the parent's decision and tell the pupil by mail."""
    pupil = consent.pupil_account
    consent.status = GRANTED if accept else REFUSED
    consent.decided_at = utcnow()
    consent.decided_ip = request.remote_addr
    consent.decided_user_agent = (request.user_agent.string or "")[:256]
    consent.method = method
    consent.parent_ref = parent_ref
    consent.parent_display_name = (parent_name or "")[:200] or None
    consent.parent_account_id = parent_account.id if parent_account else None
    consent.notice_version = NOTICE_VERSION
    if accept:
        pupil.status = ACTIVE
    db.session.flush()
    audit("consent.granted" if accept else "consent.refused",
          actor=parent_account.sub if parent_account else parent_ref, subject=pupil.sub,
          consent=consent.id, method=method)
    send_mail(pupil.email, "parental_consent/mail/decision", accepted=accept,
              pupil_name=consent.pupil_display_name, school=consent.school,
              login_link=public_url("accounts.login"))


def decide_with_school_login(consent: ParentalConsent, accept: bool, login: str,
                             password: str) -> None:
    """Decide after proving parenthood with the parent's school login."""
    answer = prove_by_school_login(consent, login, password)
    decide(consent, accept, method=BY_SCHOOL_LOGIN, parent_ref=answer.ref,
           parent_name=answer.display_name, parent_account=None)


def decide_as_account(consent: ParentalConsent, accept: bool, account: Account) -> None:
    """Decide as a signed-in parent whose unified account is linked to the pupil's parent login."""
    links = parent_links_for_pupil(account, consent.pupil_ref)
    if not links or account.id == consent.pupil_account_id:
        raise NotTheParent
    decide(consent, accept, method=BY_UNIFIED_ACCOUNT, parent_ref=links[0].ref,
           parent_name=links[0].display_name, parent_account=account)


def consents_for_parent(account: Account) -> list[ParentalConsent]:
    """Consents about the children of ``account`` (through its parent logins)."""
    pupil_refs = {link.pupil_ref for link in account.school_links
                  if link.role == PARENT and link.pupil_ref}
    if not pupil_refs:
        return []
    return list(db.session.execute(
        sa.select(ParentalConsent).where(
            ParentalConsent.pupil_ref.in_(pupil_refs),
            ParentalConsent.status.in_((REQUESTED, REFUSED, GRANTED, WITHDRAWN)))
        .order_by(ParentalConsent.id.desc())).scalars())


def decide_from_settings(account: Account, consent_id: int, accept: bool) -> ParentalConsent | None:
    """A signed-in parent decides about a waiting (or earlier refused) request of their child."""
    consent = db.session.get(ParentalConsent, consent_id)
    if consent is None or consent.status not in (REQUESTED, REFUSED) \
            or consent.pupil_account.status != PENDING_CONSENT \
            or not can_decide_as(account, consent):
        return None
    decide_as_account(consent, accept, account)
    return consent


def withdraw(account: Account, consent_id: int) -> ParentalConsent | None:
    """Withdraw a granted consent: the pupil's account is disabled and signed out everywhere."""
    consent = db.session.get(ParentalConsent, consent_id)
    if consent is None or consent.status != GRANTED or not parent_links_for_pupil(
            account, consent.pupil_ref):
        return None
    pupil = consent.pupil_account
    consent.status = WITHDRAWN
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_account_id = account.id
    pupil.status = DISABLED
    end_all_sessions(pupil)
    db.session.flush()
    audit("consent.withdrawn", actor=account.sub, subject=pupil.sub, consent=consent.id)
    send_mail(pupil.email, "parental_consent/mail/withdrawn",
              pupil_name=consent.pupil_display_name, school=consent.school)
    return consent


def grant_again(account: Account, consent_id: int) -> ParentalConsent | None:
    """Give consent again after withdrawing it (a new record; the pupil can sign in again)."""
    old = db.session.get(ParentalConsent, consent_id)
    links = parent_links_for_pupil(account, old.pupil_ref) if old is not None else []
    if old is None or old.status != WITHDRAWN or not links:
        return None
    pupil = old.pupil_account
    if pupil.status != DISABLED:
        return None
    consent = ParentalConsent(pupil_account_id=pupil.id, pupil_ref=old.pupil_ref,
                              pupil_display_name=old.pupil_display_name, school=old.school,
                              parent_email=account.email, status=REQUESTED, request_count=0)
    db.session.add(consent)
    db.session.flush()
    decide_as_account(consent, True, account)
    return consent


def consent_status(pupil: Account) -> dict:
    """What the pupil may be told about their consent (the parent's address is masked)."""
    consent = latest_for(pupil)
    if consent is None:
        return {}
    return {"status": consent.status, "refused": consent.status == REFUSED,
            "parent_email_masked": mask_email(consent.parent_email)}


def mask_email(email: str) -> str:
    """``anna.nowak@example.org`` → ``a…k@example.org``."""
    local, _, domain = email.partition("@")
    if len(local) <= 2:
        return f"{local[:1]}…@{domain}"
    return f"{local[0]}…{local[-1]}@{domain}"
