"""The SQLAlchemy base both services build their models on, and request-scoped commits.

Each service gets its own :class:`flask_sqlalchemy.SQLAlchemy` (and so its own
metadata): the two services own separate databases and never share tables.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

log = logging.getLogger(__name__)

#: Stable constraint names, so Alembic can alter constraints on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware (evaluated per row, never at import)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware datetime stored as UTC on every backend.

    SQLite has no time zones: values read back would be naive. This type makes
    every value aware on the way out and refuses naive values on the way in.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTCDateTime column")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def make_db() -> SQLAlchemy:
    """Create a service's database extension with its own metadata and naming convention."""

    class Base(DeclarativeBase):
        registry = sa.orm.registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
                                   type_annotation_map={datetime: UTCDateTime()})

    return SQLAlchemy(model_class=Base, engine_options={"pool_pre_ping": True})


class TimestampMixin:
    """``created_at`` set per row when it is inserted."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer (demo, live tests)
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def end_transaction(db: SQLAlchemy, status_code: int) -> None:
    """Commit the request's transaction, or roll it back when the answer is a server error (5xx).

    The one commit rule of a request; handlers outside Flask's dispatch (the IdP's
    protocol fast path) call it too.
    """
    if status_code >= 500:
        db.session.rollback()
    elif db.session().in_transaction():  # a request that touched nothing has nothing to commit
        db.session.commit()


def discard_transaction(db: SQLAlchemy) -> None:
    """Roll back after a database failure; a dead connection is dropped from the pool instead."""
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.invalidate()


def init_database(app: Flask, db: SQLAlchemy) -> None:
    """Bind ``db`` to ``app`` and commit once per request.

    Views and services only add and flush; the request's transaction is committed
    here after the view returned, or rolled back if it raised (warehouse's rule).
    """
    from shared.unavailable import UNAVAILABLE_ERRORS, unavailable_response

    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _enable_sqlite_foreign_keys)

    @app.after_request
    def commit_request(response):
        try:
            end_transaction(db, response.status_code)
        except UNAVAILABLE_ERRORS:
            # The database went away after the view ran: the change is not saved, say so
            # with the 503 page rather than a 500 traceback.
            discard_transaction(db)
            return unavailable_response()
        return response

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()


def upsert(db: SQLAlchemy, table: sa.Table, values: dict, keys: Iterable[str],
           update: Iterable[str] = (), where: sa.ColumnElement[bool] | None = None,
           index_where: sa.ColumnElement[bool] | None = None):
    """``INSERT … ON CONFLICT (keys)`` for SQLite and PostgreSQL alike.

    Check-then-insert races: two requests both see no row and the second insert
    fails on the unique constraint. The database settles it instead: on a conflict
    the ``update`` columns take the new values (only where ``where`` holds on the
    existing row), or nothing happens when ``update`` is empty. ``index_where`` names
    a partial unique index (its ``WHERE``) as the conflict target.
    """
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**values)
    update = tuple(update)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=list(keys),
                                                index_where=index_where)
    return statement.on_conflict_do_update(
        index_elements=list(keys), index_where=index_where,
        set_={name: statement.excluded[name] for name in update}, where=where)


def write_apart(db: SQLAlchemy, statement: sa.Executable, what: str) -> bool:
    """Run a bookkeeping write on its own connection and commit it; never raise.

    Pages that only read may still record something (a section visit, a stale job's
    end). Doing it in the request's transaction would turn a lost race, a lock
    timeout or a database hiccup into a failed page, and on SQLite would make a
    reader a writer for the rest of the request. Here the write commits at once, and
    a failure is logged and dropped: the page is served without it.
    """
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
    except sa.exc.SQLAlchemyError as exc:
        log.warning("could not record %s: %s", what, type(exc).__name__)
        return False
    return True
