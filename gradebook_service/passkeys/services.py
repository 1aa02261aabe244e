"""Enrolling, using and revoking the passkeys of school accounts (staff enrol them).

The ceremonies are :mod:`shared.passkeys`'; the relying party is the register's
public address (``GRADEBOOK_URL``), so a passkey made here is useless at any other
origin, a phishing proxy's included. Every check goes through the credential
throttle and fails with :class:`~shared.passkeys.PasskeyError` or
:class:`~shared.credentials.TooManyAttempts`.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import current_app

from gradebook_service.accounts.models import STAFF, SchoolAccount
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from gradebook_service.passkeys import challenges
from gradebook_service.passkeys.models import Passkey
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import forget_in_directory
from shared import passkeys
from shared.credentials import TooManyAttempts
from shared.database import utcnow
from shared.passkeys import Ceremony, PasskeyError
from shared.ratelimit import credential_throttle

PASSKEY_SCOPE = "gradebook-passkey"
REGISTER, SECOND_FACTOR, PASSWORDLESS = "register", "second-factor", "passwordless"
NAME_LENGTH = 60


def relying_party() -> passkeys.RelyingParty:
    """The register as a WebAuthn relying party: RP ID and origin from ``GRADEBOOK_URL``."""
    return passkeys.RelyingParty.from_url(current_app.config["GRADEBOOK_URL"], "E-dziennik")


def may_enrol(account: SchoolAccount) -> bool:
    """Staff accounts hold passkeys (families use the unified account's)."""
    return account.role == STAFF


def account_passkeys(account: SchoolAccount) -> list[Passkey]:
    """The account's passkeys, oldest first."""
    return list(db.session.execute(sa.select(Passkey).where(
        Passkey.school_id == account.school_id, Passkey.account_id == account.id)
        .order_by(Passkey.created_at, Passkey.id)).scalars())


def _descriptors(keys: list[Passkey]) -> list[tuple[bytes, tuple[str, ...]]]:
    return [(key.credential_id, tuple(filter(None, key.transports.split(",")))) for key in keys]


def start_registration(account: SchoolAccount) -> tuple[Ceremony, int]:
    """Options for a new passkey of ``account`` and the id of its kept challenge."""
    keys = account_passkeys(account)
    handle = keys[0].user_handle if keys else os.urandom(32)
    ceremony = passkeys.registration_options(
        relying_party(), user_handle=handle, user_name=account.login,
        display_name=account.display_name, existing=_descriptors(keys))
    return ceremony, challenges.keep(REGISTER, ceremony.challenge, account.id, handle)


def finish_registration(account: SchoolAccount, challenge_id: object, name: str,
                        response: object) -> Passkey:
    """Store the passkey the browser created, once its answer passed every check."""
    kept = challenges.take(challenge_id, REGISTER, account.id)
    name = " ".join((name or "").split())[:NAME_LENGTH]
    if not name:
        raise ValueError("a passkey needs a name")
    created = passkeys.verify_registration(relying_party(), response, challenge=kept.challenge)
    if db.session.execute(sa.select(Passkey.id).where(
            Passkey.credential_id == created.credential_id)).first() is not None:
        raise PasskeyError("credential already registered")
    key = Passkey(school_id=account.school_id, account_id=account.id, name=name,
                  credential_id=created.credential_id, user_handle=kept.user_handle,
                  public_key=created.public_key, sign_count=created.sign_count,
                  backup_eligible=created.backup_eligible, backed_up=created.backed_up,
                  transports=",".join(created.transports), aaguid=created.aaguid)
    db.session.add(key)
    account.passkey_count = (account.passkey_count or 0) + 1
    db.session.flush()
    audit("passkey.enrolled", actor=account.login, passkey_id=key.id,
          backup_eligible=created.backup_eligible)
    return key


def start_second_factor(account: SchoolAccount) -> tuple[Ceremony, int]:
    """Options to prove one of ``account``'s passkeys after its password."""
    ceremony = passkeys.authentication_options(
        relying_party(), allowed=_descriptors(account_passkeys(account)),
        require_user_verification=False)
    return ceremony, challenges.keep(SECOND_FACTOR, ceremony.challenge, account.id)


def start_passwordless() -> tuple[Ceremony, int]:
    """Options to sign in with any passkey of the register, user verification required."""
    ceremony = passkeys.authentication_options(relying_party(), allowed=None,
                                               require_user_verification=True)
    return ceremony, challenges.keep(PASSWORDLESS, ceremony.challenge, None)


def _check(key: Passkey, response: object, challenge: bytes, *, passwordless: bool) -> None:
    result = passkeys.verify_assertion(relying_party(), response, challenge=challenge,
                                       public_key=key.public_key, sign_count=key.sign_count,
                                       require_user_verification=passwordless)
    key.sign_count = result.sign_count
    key.backed_up = result.backed_up
    key.last_used_at = utcnow()


def finish_second_factor(account: SchoolAccount, challenge_id: object,
                         response: object) -> Passkey:
    """Accept a passkey of ``account`` as its second factor (once per challenge)."""
    throttle = credential_throttle()
    if throttle.blocked(PASSKEY_SCOPE, account.login):
        raise TooManyAttempts()
    try:
        challenge = challenges.take(challenge_id, SECOND_FACTOR, account.id).challenge
        credential_id = passkeys.credential_id_of(response)
        key = db.session.execute(sa.select(Passkey).where(
            Passkey.school_id == account.school_id, Passkey.account_id == account.id,
            Passkey.credential_id == credential_id).with_for_update()).scalar_one_or_none()
        if key is None:
            raise PasskeyError("not a passkey of this account")
        _check(key, response, challenge, passwordless=False)
    except PasskeyError as exc:
        throttle.failed(PASSKEY_SCOPE, account.login)
        audit("passkey.failed", subject=account.login, step=SECOND_FACTOR, reason=str(exc)[:200])
        raise
    throttle.succeeded(PASSKEY_SCOPE, account.login)
    audit("passkey.used", actor=account.login, passkey_id=key.id, step=SECOND_FACTOR)
    return key


def finish_passwordless(challenge_id: object, response: object) -> SchoolAccount:
    """Find the account whose passkey answered, with user verification; the key's owner signs in."""
    throttle = credential_throttle()
    if throttle.blocked(PASSKEY_SCOPE, None):
        raise TooManyAttempts()
    account = None
    try:
        challenge = challenges.take(challenge_id, PASSWORDLESS, None).challenge
        credential_id = passkeys.credential_id_of(response)
        key = db.session.execute(sa.select(Passkey).where(
            Passkey.credential_id == credential_id).with_for_update()).scalar_one_or_none()
        account = get_owned(SchoolAccount, key.school_id, key.account_id) if key is not None else None
        if key is None or account is None or not account.is_active:
            raise PasskeyError("unknown passkey")
        if passkeys.user_handle_of(response) != key.user_handle:
            raise PasskeyError("user handle of another account")
        _check(key, response, challenge, passwordless=True)
    except PasskeyError as exc:
        throttle.failed(PASSKEY_SCOPE, account.login if account is not None else None)
        audit("passkey.failed", subject=account.login if account is not None else None,
              step=PASSWORDLESS, reason=str(exc)[:200])
        raise
    throttle.succeeded(PASSKEY_SCOPE, account.login)
    audit("passkey.used", actor=account.login, passkey_id=key.id, step=PASSWORDLESS)
    return account


def revoke(account: SchoolAccount, passkey_id: int) -> bool:
    """Delete one of the account's own passkeys and end its other sessions; False if not its."""
    gone = db.session.execute(sa.delete(Passkey).where(
        Passkey.school_id == account.school_id, Passkey.account_id == account.id,
        Passkey.id == passkey_id).returning(Passkey.credential_id)).scalars().all()
    if len(gone) != 1:
        return False
    forget_in_directory(Passkey, "credential_id", gone)
    account.passkey_count = max((account.passkey_count or 1) - 1, 0)
    account.session_version = (account.session_version or 1) + 1
    audit("passkey.revoked", actor=account.login, passkey_id=passkey_id)
    return True


def forget_passkeys(account: SchoolAccount, *, by: SchoolAccount) -> int:
    """Delete every passkey of ``account`` (the administrator's lost-factor reset)."""
    gone = db.session.execute(sa.delete(Passkey).where(
        Passkey.school_id == account.school_id, Passkey.account_id == account.id)
        .returning(Passkey.credential_id)).scalars().all()
    forget_in_directory(Passkey, "credential_id", gone)
    removed = len(gone)
    account.passkey_count = 0
    if removed:
        audit("passkey.revoked_all", actor=by.login, subject=account.login, count=removed)
    return removed
