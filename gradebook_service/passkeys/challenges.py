"""Ceremony challenges of the register's passkeys (:mod:`shared.passkey_challenges` on its table)."""

from __future__ import annotations

from gradebook_service.extensions import db
from gradebook_service.passkeys.models import PasskeyChallenge
from shared import passkey_challenges


def keep(purpose: str, challenge: bytes, account_id: int | None,
         user_handle: bytes | None = None) -> int:
    """Store ``challenge`` for a ceremony; return the id for the session."""
    return passkey_challenges.keep(db, PasskeyChallenge, purpose, challenge, account_id,
                                   user_handle)


def take(challenge_id: object, purpose: str, account_id: int | None) -> PasskeyChallenge:
    """Remove and return the session's challenge; refuse one already used, expired or foreign."""
    return passkey_challenges.take(db, PasskeyChallenge, challenge_id, purpose, account_id)
