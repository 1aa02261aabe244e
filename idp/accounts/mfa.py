"""The optional second factor of unified accounts: TOTP with single-use recovery codes.

The codes themselves are :mod:`shared.totp`'s; this module keeps them on the
account: the secret sealed with a key derived from the deployment secret, the
last accepted time step (a code from the app is accepted once) and the
recovery-code digests.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import current_app, session

from idp.accounts.models import Account, RecoveryCode
from idp.core.models import audit
from idp.extensions import db
from shared import totp
from shared.credentials import InvalidSecondFactor, TooManyAttempts
from shared.crypto import Sealer, sealer
from shared.database import utcnow
from shared.ratelimit import credential_throttle

ISSUER_NAME = "E-dziennik"
#: How long the second sign-in step may wait after the password was accepted.
SECOND_STEP_SECONDS = 300
OTP_SCOPE = "idp-otp"

_PENDING = "mfa_pending"


def _sealer() -> Sealer:
    # The salt this store was created with: secrets sealed before stay readable.
    return sealer("totp-secret", salt=b"edz-idp-totp")


def seal_setup_secret(secret: str) -> str:
    """Encrypt a secret being set up, to keep it in the (signed, not encrypted) session."""
    return _sealer().seal(secret)


def pending_setup_secret(sealed: str | None) -> str | None:
    """The secret being set up, from :func:`seal_setup_secret`'s output."""
    return _sealer().open_text(sealed)


def is_enabled(account: Account) -> bool:
    """Return True if the account signs in with a second factor."""
    return account.totp_enabled_at is not None and bool(account.totp_secret_encrypted)


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits)."""
    return totp.new_secret()


def provisioning_uri(account: Account, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return totp.provisioning_uri(secret, name=account.email, issuer=ISSUER_NAME)


def _digest(code: str) -> str:
    return totp.recovery_code_digest(current_app.config["SECRET_KEY"], code)


def enable(account: Account, secret: str, code: str) -> list[str]:
    """Turn the second factor on after the user proved the app works; return recovery codes."""
    counter = totp.matching_step(secret, code, None)
    if counter is None:
        raise InvalidSecondFactor
    account.totp_secret_encrypted = _sealer().seal(secret)
    account.totp_enabled_at = utcnow()
    account.totp_last_counter = counter
    codes = regenerate_recovery_codes(account)
    audit("mfa.enabled", actor=account.sub, subject=account.sub)
    db.session.flush()
    return codes


def disable(account: Account) -> None:
    """Turn the second factor off and forget its secret and recovery codes."""
    account.totp_secret_encrypted = None
    account.totp_enabled_at = None
    account.totp_last_counter = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    audit("mfa.disabled", actor=account.sub, subject=account.sub)
    db.session.flush()


def regenerate_recovery_codes(account: Account) -> list[str]:
    """Replace the recovery codes with new ones; return them (shown once, never stored)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = totp.new_recovery_codes()
    for code in codes:
        db.session.add(RecoveryCode(account_id=account.id, code_hash=_digest(code),
                                    created_at=utcnow()))
    db.session.flush()
    return codes


def remaining_recovery_codes(account: Account) -> int:
    """How many recovery codes are still unused."""
    return db.session.execute(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))).scalar_one()


def check_code(account: Account, code: str) -> tuple[str, ...]:
    """Accept a current TOTP code or an unused recovery code; return the ``amr`` values."""
    secret = _sealer().open_text(account.totp_secret_encrypted)
    if secret is not None:
        counter = totp.matching_step(secret, code, account.totp_last_counter)
        if counter is not None:
            account.totp_last_counter = counter
            db.session.flush()
            return ("pwd", "otp", "mfa")
    row = db.session.execute(sa.select(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None),
        RecoveryCode.code_hash == _digest(code))).scalar_one_or_none()
    if row is not None:
        row.used_at = utcnow()
        audit("mfa.recovery_code_used", actor=account.sub, subject=account.sub)
        db.session.flush()
        return ("pwd", "mfa")
    raise InvalidSecondFactor


def start_second_step(account: Account, next_url: str) -> None:
    """Remember that the password was right; the session starts only after the code."""
    session.pop(_PENDING, None)
    session[_PENDING] = {"uid": account.id, "v": account.session_version,
                         "at": int(time.time()), "next": next_url}


def pending_second_step() -> tuple[Account, str] | None:
    """Return the account waiting for its code and where to go afterwards, if still valid."""
    data = session.get(_PENDING)
    if not isinstance(data, dict) or time.time() - data.get("at", 0) > SECOND_STEP_SECONDS:
        session.pop(_PENDING, None)
        return None
    account = db.session.get(Account, data.get("uid"))
    if account is None or account.session_version != data.get("v") or not account.is_active \
            or not is_enabled(account):
        session.pop(_PENDING, None)
        return None
    return account, data.get("next") or "/"


def verify_second_step(account: Account, code: str) -> tuple[str, ...]:
    """Check the code of the pending sign-in, counting failures like passwords."""
    throttle = credential_throttle()
    if throttle.blocked(OTP_SCOPE, account.sub):
        raise TooManyAttempts
    try:
        methods = check_code(account, code)
    except InvalidSecondFactor:
        throttle.failed(OTP_SCOPE, account.sub)
        audit("login.otp_failed", actor=account.sub, subject=account.sub)
        raise
    throttle.succeeded(OTP_SCOPE, account.sub)
    session.pop(_PENDING, None)
    return methods
