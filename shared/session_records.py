"""Server-side records of signed-in sessions: the signed cookie names one, sign-out deletes it.

Both services keep their sessions in signed cookies. A cookie copied before
sign-out would stay valid until it expires; with a record per session the
server decides: the cookie carries a random session id, the database its
SHA-256 digest, and a session whose record is gone is over.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import UTCDateTime, utcnow

#: The session key holding the random session id.
SID_KEY = "sid"


def sid_digest(sid: object) -> str:
    """The stored form of a session id (the id itself never reaches the database)."""
    return hashlib.sha256(sid.encode() if isinstance(sid, str) else b"").hexdigest()


class SessionRecordMixin:
    """Columns of one signed-in browser session; the service adds whose it is."""

    sid_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def open_record(db, model, lifetime: timedelta, **owner) -> str:
    """Add a record for a new session (and drop expired ones); return the id for the cookie.

    Both statements run on the session's connection, in the request's transaction: no
    one needs the record as an object, and the ORM's unit of work for one row cost a
    sign-in more CPU than the two statements themselves (issue 16).
    """
    now = utcnow()
    table = model.__table__
    connection = db.session.connection()
    connection.execute(table.delete().where(table.c.expires_at <= now))
    sid = secrets.token_urlsafe(32)
    connection.execute(table.insert(), {"sid_digest": sid_digest(sid), "created_at": now,
                                        "expires_at": now + lifetime, **owner})
    return sid


def close_record(db, model, sid: object) -> None:
    """Delete the record of the session ``sid`` (sign-out): its cookie opens nothing any more."""
    if isinstance(sid, str):
        db.session.execute(sa.delete(model).where(model.sid_digest == sid_digest(sid)))


def live(model, sid: object):
    """The SQL condition "``sid`` names an unexpired record of ``model``" (for a join)."""
    return sa.and_(model.sid_digest == sid_digest(sid), model.expires_at > utcnow())


def live_bound(model):
    """:func:`live` with bound parameters, for a statement built once per process.

    Building a SQLAlchemy statement costs more CPU than running a primary-key
    lookup on it; a statement checked on every request is therefore built once
    and run with :func:`live_params`.
    """
    return sa.and_(model.sid_digest == sa.bindparam("live_sid_digest"),
                   model.expires_at > sa.bindparam("live_now"))


def live_params(sid: object) -> dict:
    """The parameters of :func:`live_bound` for the session id ``sid``, now."""
    return {"live_sid_digest": sid_digest(sid), "live_now": utcnow()}
