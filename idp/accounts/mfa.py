"""The optional second factor: TOTP (RFC 6238) with single-use recovery codes.

The shared secret is stored encrypted with a key derived from the deployment
secret; recovery codes are random (50 bits) and stored as SHA-256 hashes, which is
enough for values no one can guess, unlike passwords. A code from the app is
accepted once: the last accepted time step is remembered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, session

from idp.accounts.models import Account, RecoveryCode
from idp.core.models import audit
from idp.extensions import db
from shared.database import utcnow
from shared.ratelimit import credential_throttle

ISSUER_NAME = "E-dziennik"
RECOVERY_CODE_COUNT = 10
#: How long the second sign-in step may wait after the password was accepted.
SECOND_STEP_SECONDS = 300
OTP_SCOPE = "idp-otp"

_PENDING = "mfa_pending"


class MfaError(Exception):
    """Base class of the second factor's errors."""


class WrongCode(MfaError):
    """The code is not the current TOTP code nor an unused recovery code."""


class TooManyCodes(MfaError):
    """Too many wrong codes for this account or address."""


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"edz-idp-totp",
               info=b"totp-secret").derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _decrypt(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def seal_setup_secret(secret: str) -> str:
    """Encrypt a secret being set up, to keep it in the (signed, not encrypted) session."""
    return _encrypt(secret)


def pending_setup_secret(sealed: str | None) -> str | None:
    """The secret being set up, from :func:`seal_setup_secret`'s output."""
    return _decrypt(sealed) if sealed else None


def is_enabled(account: Account) -> bool:
    """Return True if the account signs in with a second factor."""
    return account.totp_enabled_at is not None and bool(account.totp_secret_encrypted)


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(account: Account, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=ISSUER_NAME)


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG data URI (the CSP allows ``img-src data:``)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalize_code(code).encode()).hexdigest()


def _matching_counter(secret: str, code: str, after: int | None) -> int | None:
    """Return the time step ``code`` belongs to (±1 step of drift), if it is newer than ``after``."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_counter = int(time.time()) // totp.interval
    for counter in (now_counter - 1, now_counter, now_counter + 1):
        if after is not None and counter <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def enable(account: Account, secret: str, code: str) -> list[str]:
    """Turn the second factor on after the user proved the app works; return recovery codes."""
    counter = _matching_counter(secret, code, None)
    if counter is None:
        raise WrongCode
    account.totp_secret_encrypted = _encrypt(secret)
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
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(7)).decode().lower()[:10]
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(account_id=account.id, code_hash=_hash_code(code),
                                    created_at=utcnow()))
    db.session.flush()
    return codes


def remaining_recovery_codes(account: Account) -> int:
    """How many recovery codes are still unused."""
    return db.session.execute(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))).scalar_one()


def check_code(account: Account, code: str) -> tuple[str, ...]:
    """Accept a current TOTP code or an unused recovery code; return the ``amr`` values."""
    secret = _decrypt(account.totp_secret_encrypted or "")
    if secret is not None:
        counter = _matching_counter(secret, code, account.totp_last_counter)
        if counter is not None:
            account.totp_last_counter = counter
            db.session.flush()
            return ("pwd", "otp", "mfa")
    wanted = _hash_code(code)
    row = db.session.execute(sa.select(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None),
        RecoveryCode.code_hash == wanted)).scalar_one_or_none()
    if row is not None and _normalize_code(code):
        row.used_at = utcnow()
        audit("mfa.recovery_code_used", actor=account.sub, subject=account.sub)
        db.session.flush()
        return ("pwd", "mfa")
    raise WrongCode


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
        raise TooManyCodes
    try:
        methods = check_code(account, code)
    except WrongCode:
        throttle.failed(OTP_SCOPE, account.sub)
        audit("login.otp_failed", actor=account.sub, subject=account.sub)
        raise
    throttle.succeeded(OTP_SCOPE, account.sub)
    session.pop(_PENDING, None)
    return methods
