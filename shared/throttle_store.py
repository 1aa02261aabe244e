"""Where throttle counters live: the service's database, or Redis when ``REDIS_URL`` is set.

Every process of a deployment must see the same counts (two workers with their
own memory let twice the failures through). The database is always there: a
counter is one row, raised with one atomic upsert on PostgreSQL and SQLite
alike, and forgotten when its window ends. Redis is the faster option.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import UTCDateTime, utcnow

log = logging.getLogger(__name__)

#: What a counter that cannot be read counts: more than any allowance, so credential checks
#: and mail-sending actions are refused while Redis is down (they fail closed).
UNREADABLE = sys.maxsize


class ThrottleCounterMixin:
    """One counter: how many events under ``key`` since its window began, until ``expires_at``."""

    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class DatabaseStore:
    """Counters in the service's database, written in their own transaction after the request.

    Writing them in the request's transaction would hold SQLite's write lock for the
    rest of the request (and lose them when it rolls back); instead each change is
    applied with an atomic upsert once the request is over, and reads in the
    meantime add this request's own pending changes.
    """

    def __init__(self, app, db, model) -> None:
        self._db = db
        self._table = model.__table__
        app.teardown_request(self._flush)

    def _pending(self) -> list:
        if "throttle_pending" not in g:
            g.throttle_pending = []
        return g.throttle_pending

    def hit(self, key: str, window: timedelta) -> None:
        """Count one event; a counter whose window has ended starts again at 1."""
        self._pending().append((key, window))

    def clear(self, key: str) -> None:
        """Forget the counter.

        A counter this request read as empty (and has not raised) is left alone: a
        sign-in after no failures, the common case, then writes nothing after the
        request (no second transaction). A failure another request counts in the
        meantime stays counted, which is the stricter outcome.
        """
        pending = self._pending()
        if g.get("throttle_empty") and key in g.throttle_empty and all(
                pending_key != key for pending_key, _window in pending):
            return
        pending.append((key, None))

    def count(self, key: str) -> int:
        """Events under ``key`` in its current window (0 once it has ended)."""
        table = self._table
        hits = self._db.session.execute(sa.select(table.c.hits).where(
            table.c.key == key, table.c.expires_at > utcnow())).scalar_one_or_none() or 0
        if "throttle_empty" not in g:
            g.throttle_empty = set()
        if hits:
            g.throttle_empty.discard(key)
        else:
            g.throttle_empty.add(key)
        for pending_key, window in self._pending():
            if pending_key == key:
                hits = 0 if window is None else hits + 1
        return hits

    def _flush(self, _exc=None) -> None:
        g.pop("throttle_empty", None)  # what this request read says nothing about the next
        pending = g.pop("throttle_pending", None)
        if pending:
            with self._db.engine.begin() as connection:
                for key, window in pending:
                    connection.execute(self._upsert(connection, key, window)
                                       if window is not None
                                       else sa.delete(self._table).where(self._table.c.key == key))

    def _upsert(self, connection, key: str, window: timedelta):
        table = self._table
        now = utcnow()
        dialect = connection.dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
        expired = table.c.expires_at <= now
        return insert.values(key=key, hits=1, expires_at=now + window).on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"hits": sa.case((expired, 1), else_=table.c.hits + 1),
                  "expires_at": sa.case((expired, now + window), else_=table.c.expires_at)})

    def purge(self) -> int:
        """Delete counters whose window has ended (a periodic clean-up); return how many."""
        with self._db.engine.begin() as connection:
            return connection.execute(sa.delete(self._table).where(
                self._table.c.expires_at <= utcnow())).rowcount


class LimitsStore:
    """Counters in a ``limits`` storage (Redis, or memory for a single process).

    When Redis cannot be reached a counter reads as :data:`UNREADABLE`: a password,
    a second factor or a recovery request is refused with the throttle's usual
    message rather than checked without a limit. Pages that only read are not
    throttled here and keep working (Flask-Limiter's request rates fail open,
    ``swallow_errors``); see docs/security.md.
    """

    def __init__(self, storage) -> None:
        self._storage = storage
        #: What an unreachable store raises; the redis client (~7 MiB) is loaded only for
        #: a Redis store, which has loaded it already (tests/test_worker_imports.py).
        self._errors: tuple[type[Exception], ...] = ()
        if "redis" in type(storage).__module__:
            from redis.exceptions import RedisError

            self._errors = (RedisError,)

    def hit(self, key: str, window: timedelta) -> int:
        try:
            return self._storage.incr(key, int(window.total_seconds()))
        except self._errors as exc:
            log.warning("throttle store unreachable (hit): %s", type(exc).__name__)
            return UNREADABLE

    def count(self, key: str) -> int:
        try:
            return self._storage.get(key)
        except self._errors as exc:
            log.warning("throttle store unreachable: refusing credential checks (%s)",
                        type(exc).__name__)
            return UNREADABLE

    def clear(self, key: str) -> None:
        try:
            self._storage.clear(key)
        except self._errors as exc:
            log.warning("throttle store unreachable (clear): %s", type(exc).__name__)
