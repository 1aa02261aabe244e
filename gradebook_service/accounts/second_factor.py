"""The second factor of school accounts: required for staff, optional for families.

The codes are :mod:`shared.totp`'s; the secret is sealed on the account with a
key derived from the deployment secret, and the last accepted time step is kept
so a code works once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from gradebook_service.accounts.models import RecoveryCode, SchoolAccount
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from gradebook_service.school.models import School
from shared import totp
from shared.credentials import InvalidSecondFactor, TooManyAttempts
from shared.crypto import Sealer, sealer
from shared.database import utcnow
from shared.ratelimit import credential_throttle

SECOND_FACTOR_SCOPE = "gradebook-2fa"
TOTP_PURPOSE = "e-dziennik gradebook totp"
#: A secret being set up waits in the (signed, not encrypted) session, sealed.
TOTP_SETUP_PURPOSE = "e-dziennik gradebook totp-setup"


def _totp_sealer() -> Sealer:
    return sealer(TOTP_PURPOSE)


def seal_totp_secret(secret: str) -> str:
    """Return ``secret`` sealed for the account row."""
    return _totp_sealer().seal(secret)


def totp_uri(account: SchoolAccount, secret: str) -> str:
    """The ``otpauth://`` URI of the account, named after its school."""
    school = db.session.get(School, account.school_id)
    return totp.provisioning_uri(secret, name=account.login,
                                 issuer=f"E-dziennik {school.short_name if school else ''}")


def _digest(code: str | None) -> str:
    return totp.recovery_code_digest(current_app.config["SECRET_KEY"], code)


def _forget_recovery_codes(account: SchoolAccount) -> None:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.school_id == account.school_id,
                                                     RecoveryCode.account_id == account.id))


def new_recovery_codes(account: SchoolAccount) -> list[str]:
    """Replace the account's recovery codes with fresh ones; return them (shown once)."""
    _forget_recovery_codes(account)
    codes = totp.new_recovery_codes()
    for code in codes:
        db.session.add(RecoveryCode(school_id=account.school_id, account_id=account.id,
                                    code_hash=_digest(code)))
    db.session.flush()
    return codes


def enable_totp(account: SchoolAccount, secret: str, code: str) -> list[str]:
    """Turn the second factor on once the user proved the app shows the right code."""
    step = totp.matching_step(secret, code, None)
    if step is None:
        raise InvalidSecondFactor()
    account.totp_secret_encrypted = seal_totp_secret(secret)
    account.totp_enabled_at = utcnow()
    account.totp_last_step = step
    audit("second_factor.enabled", actor=account.login)
    return new_recovery_codes(account)


def disable_totp(account: SchoolAccount) -> None:
    """Turn the second factor off (families only; staff must keep it)."""
    account.totp_secret_encrypted = None
    account.totp_enabled_at = None
    account.totp_last_step = None
    _forget_recovery_codes(account)
    audit("second_factor.disabled", actor=account.login)


def verify_second_factor(account: SchoolAccount, code: str) -> str:
    """Accept a current TOTP code (once) or an unused recovery code; return which was used."""
    throttle = credential_throttle()
    if throttle.blocked(SECOND_FACTOR_SCOPE, account.login):
        raise TooManyAttempts()
    secret = _totp_sealer().open_text(account.totp_secret_encrypted)
    if secret:
        # Lock the row so two requests cannot both accept the same code.
        db.session.refresh(account, with_for_update=True)
        step = totp.matching_step(secret, code, account.totp_last_step)
        if step is not None:
            account.totp_last_step = step
            throttle.succeeded(SECOND_FACTOR_SCOPE, account.login)
            return "totp"
    used = db.session.execute(
        sa.update(RecoveryCode).where(RecoveryCode.school_id == account.school_id,
                                      RecoveryCode.account_id == account.id,
                                      RecoveryCode.code_hash == _digest(code),
                                      RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())).rowcount
    if used == 1:
        throttle.succeeded(SECOND_FACTOR_SCOPE, account.login)
        audit("second_factor.recovery_code_used", actor=account.login)
        return "recovery_code"
    throttle.failed(SECOND_FACTOR_SCOPE, account.login)
    audit("second_factor.failed", subject=account.login)
    raise InvalidSecondFactor()


def unused_recovery_codes(account: SchoolAccount) -> int:
    """How many recovery codes are still unused."""
    return db.session.execute(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.school_id == account.school_id, RecoveryCode.account_id == account.id,
        RecoveryCode.used_at.is_(None))).scalar_one()
