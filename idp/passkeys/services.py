"""Enrolling, using and revoking the passkeys of unified accounts (families at the IdP).

The ceremonies are :mod:`shared.passkeys`' (the same code serves staff at the register);
the relying party is the IdP's public address (``IDP_ISSUER``), so a passkey made here
is useless at any other origin, a phishing proxy's included. A passkey here signs in
without a password: user verification (the device's fingerprint, face or PIN) is
required, so it is both factors. Every failed answer counts in the credential
throttle; failures are :class:`~shared.passkeys.PasskeyError` or
:class:`~shared.credentials.TooManyAttempts`.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import current_app

from idp.accounts.models import Account
from idp.accounts.services import end_all_sessions
from idp.core.models import audit
from idp.extensions import db
from idp.passkeys.models import Passkey, PasskeyChallenge
from shared import passkey_challenges, passkeys
from shared.credentials import TooManyAttempts
from shared.database import utcnow
from shared.passkeys import Ceremony, PasskeyError
from shared.ratelimit import credential_throttle

PASSKEY_SCOPE = "idp-passkey"
REGISTER, PASSWORDLESS = "register", "passwordless"
NAME_LENGTH = 60
#: RFC 8176 methods of a passkey sign-in: a hardware-bound key, verified by the device (two factors).
PASSKEY_AMR = ("hwk", "user", "mfa")


def relying_party() -> passkeys.RelyingParty:
    """The IdP as a WebAuthn relying party: RP ID and origin from ``IDP_ISSUER``."""
    return passkeys.RelyingParty.from_url(current_app.config["IDP_ISSUER"], "KONTO E-dziennik")


def account_passkeys(account: Account) -> list[Passkey]:
    """The account's passkeys, oldest first."""
    return list(db.session.execute(sa.select(Passkey).where(Passkey.account_id == account.id)
                                   .order_by(Passkey.created_at, Passkey.id)).scalars())


def _descriptors(keys: list[Passkey]) -> list[tuple[bytes, tuple[str, ...]]]:
    return [(key.credential_id, tuple(filter(None, key.transports.split(",")))) for key in keys]


def start_registration(account: Account) -> tuple[Ceremony, int]:
    """Options for a new passkey of ``account`` and the id of its kept challenge."""
    keys = account_passkeys(account)
    handle = keys[0].user_handle if keys else os.urandom(32)
    ceremony = passkeys.registration_options(
        relying_party(), user_handle=handle, user_name=account.email,
        display_name=account.name or account.email, existing=_descriptors(keys))
    return ceremony, passkey_challenges.keep(db, PasskeyChallenge, REGISTER,
                                             ceremony.challenge, account.id, handle)


def finish_registration(account: Account, challenge_id: object, name: str,
                        response: object) -> Passkey:
    """Store the passkey the browser created, once its answer passed every check."""
    kept = passkey_challenges.take(db, PasskeyChallenge, challenge_id, REGISTER, account.id)
    name = " ".join((name or "").split())[:NAME_LENGTH]
    if not name:
        raise ValueError("a passkey needs a name")
    created = passkeys.verify_registration(relying_party(), response, challenge=kept.challenge)
    if db.session.execute(sa.select(Passkey.id).where(
            Passkey.credential_id == created.credential_id)).first() is not None:
        raise PasskeyError("credential already registered")
    key = Passkey(account_id=account.id, name=name, credential_id=created.credential_id,
                  user_handle=kept.user_handle, public_key=created.public_key,
                  sign_count=created.sign_count, backup_eligible=created.backup_eligible,
                  backed_up=created.backed_up, transports=",".join(created.transports),
                  aaguid=created.aaguid)
    db.session.add(key)
    db.session.flush()
    audit("passkey.enrolled", actor=account.sub, subject=account.sub, passkey_id=key.id,
          backup_eligible=created.backup_eligible)
    return key


def start_passwordless() -> tuple[Ceremony, int]:
    """Options to sign in with any passkey of this IdP, user verification required."""
    ceremony = passkeys.authentication_options(relying_party(), allowed=None,
                                               require_user_verification=True)
    return ceremony, passkey_challenges.keep(db, PasskeyChallenge, PASSWORDLESS,
                                             ceremony.challenge, None)


def finish_passwordless(challenge_id: object, response: object) -> Account:
    """Find the active account whose passkey answered, with user verification; it signs in."""
    throttle = credential_throttle()
    if throttle.blocked(PASSKEY_SCOPE, None):
        raise TooManyAttempts()
    account = None
    try:
        challenge = passkey_challenges.take(db, PasskeyChallenge, challenge_id, PASSWORDLESS,
                                            None).challenge
        credential_id = passkeys.credential_id_of(response)
        key = db.session.execute(sa.select(Passkey).where(
            Passkey.credential_id == credential_id).with_for_update()).scalar_one_or_none()
        account = db.session.get(Account, key.account_id) if key is not None else None
        if key is None or account is None or not account.is_active:
            raise PasskeyError("unknown passkey")
        if passkeys.user_handle_of(response) != key.user_handle:
            raise PasskeyError("user handle of another account")
        result = passkeys.verify_assertion(relying_party(), response, challenge=challenge,
                                           public_key=key.public_key, sign_count=key.sign_count,
                                           require_user_verification=True)
    except PasskeyError as exc:
        throttle.failed(PASSKEY_SCOPE, None)
        audit("passkey.failed", subject=account.sub if account is not None else None,
              step=PASSWORDLESS, reason=str(exc)[:200])
        raise
    key.sign_count = result.sign_count
    key.backed_up = result.backed_up
    key.last_used_at = utcnow()
    throttle.succeeded(PASSKEY_SCOPE, account.sub)
    audit("passkey.used", actor=account.sub, subject=account.sub, passkey_id=key.id,
          step=PASSWORDLESS)
    return account


def revoke(account: Account, passkey_id: int) -> bool:
    """Delete one of the account's own passkeys and sign it out everywhere; False if not its."""
    removed = db.session.execute(sa.delete(Passkey).where(
        Passkey.account_id == account.id, Passkey.id == passkey_id)).rowcount
    if removed != 1:
        return False
    end_all_sessions(account)  # a lost phone's sessions and apps end with its passkey
    audit("passkey.revoked", actor=account.sub, subject=account.sub, passkey_id=passkey_id)
    return True
