"""The second factor both services offer: TOTP (RFC 6238) and single-use recovery codes.

Pure functions, no database: each service stores the sealed secret, the last
accepted time step and the recovery-code digests on its own rows.

* A code is accepted for the current 30-second step and one step either side
  (clock drift), compared in constant time, and never for a step at or before
  the last one accepted (a code works once).
* Recovery codes are random (about 50 bits, no look-alike characters) and stored
  as keyed HMAC-SHA256 digests: a copy of the table alone cannot be checked
  against guesses.
* The QR code is an SVG ``data:`` URI (sharp at any zoom), which the CSP allows
  (``img-src data:``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno

from shared.crypto import derive_key

RECOVERY_CODE_COUNT = 10
#: Lower-case letters and digits that cannot be confused on paper or screen (no 0/o, 1/l/i).
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
DRIFT_STEPS = 1
RECOVERY_DIGEST_PURPOSE = "recovery-code digest"


def new_secret() -> str:
    """Return a fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, *, name: str, issuer: str) -> str:
    """Return the ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """Return the QR code of ``uri`` as an SVG data URI."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def matching_step(secret: str, code: str | None, last_step: int | None) -> int | None:
    """Return the time step ``code`` belongs to, or None (wrong, too old or replayed)."""
    code = "".join((code or "").split()).replace("-", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Return ``count`` fresh recovery codes, shown once as ``xxxxx-xxxxx``."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_code_digest(secret_key: str, code: str | None) -> str:
    """Return the stored form of a recovery code: HMAC-SHA256 under a key of its own."""
    normalised = "".join((code or "").split()).replace("-", "").lower()
    key = derive_key(secret_key, RECOVERY_DIGEST_PURPOSE)
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()
