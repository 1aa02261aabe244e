"""Ceremony challenges of passkeys, for both services: single-use, bound to one session, brief.

Kept in the service's database (a ``passkey_challenge`` table with ``purpose``,
``challenge``, ``account_id``, ``user_handle``, ``expires_at``), not in the cookie:
the browser's session holds only the row's id, and taking the challenge deletes the
row, so a copied cookie or a replayed answer finds nothing.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shared.database import utcnow
from shared.passkeys import PasskeyError

#: Long enough to find the key and touch it, short enough that a stolen one is stale.
CHALLENGE_TTL = timedelta(minutes=5)


def keep(db, model, purpose: str, challenge: bytes, account_id: int | None,
         user_handle: bytes | None = None) -> int:
    """Store ``challenge`` for a ceremony; return the id for the session (drops stale ones)."""
    db.session.execute(sa.delete(model).where(model.expires_at < utcnow()))
    row = model(purpose=purpose, challenge=challenge, account_id=account_id,
                user_handle=user_handle, expires_at=utcnow() + CHALLENGE_TTL)
    db.session.add(row)
    db.session.flush()
    return row.id


def take(db, model, challenge_id: object, purpose: str, account_id: int | None):
    """Remove and return the session's challenge; refuse one already used, expired or foreign."""
    if not isinstance(challenge_id, int):
        raise PasskeyError("no ceremony under way")
    row = db.session.execute(sa.select(model).where(model.id == challenge_id)
                             ).scalar_one_or_none()
    if row is None:
        raise PasskeyError("challenge already used or unknown")
    kept = model(purpose=row.purpose, account_id=row.account_id, challenge=row.challenge,
                 user_handle=row.user_handle, expires_at=row.expires_at)  # detached: row is gone
    removed = db.session.execute(sa.delete(model).where(model.id == challenge_id)).rowcount
    if removed != 1:  # another request took it first
        raise PasskeyError("challenge already used")
    if kept.purpose != purpose or kept.account_id != account_id:
        raise PasskeyError("challenge of another ceremony")
    if kept.expires_at <= utcnow():
        raise PasskeyError("challenge expired")
    return kept
