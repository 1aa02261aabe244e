"""Mail requests: "send me a link" is answered at once and resolved later, by the mail sender.

Why: when a request for a reset or activation link looked the account up, made a
token, rendered the mail and queued it only for a known address, the answer for an
unknown address came 1–3 ms sooner, and the answer time told an outsider which
addresses have accounts. Now the request does the same work for every address: it
validates, throttles and records one small :class:`MailRequestMixin` row (the kind,
the address or login and the requester's language; never a password or a token),
then answers. The mail sender (``flask … mail deliver``, the background sender)
resolves pending requests just before it delivers: it deletes the row (a
conditional DELETE, so two senders never resolve one request twice) and calls the
handler registered for its kind, which looks the account up and queues the mail in
the same transaction. For an address without an account the handler does nothing:
no mail goes to strangers.

Handlers run inside a request context on the service's public URL (``url_for``
builds the mailed links) with no locale forced; a handler chooses the person's
language itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import UTCDateTime, utcnow

log = logging.getLogger(__name__)

#: A request older than this is dropped unresolved: a link asked for so long ago is
#: no longer awaited, and the address should not stay stored.
MAX_AGE = timedelta(days=1)

Handler = Callable[[str, str | None], None]


class MailRequestMixin:
    """Columns of one pending "send me a link"; each service maps it to ``mail_request``."""

    __tablename__ = "mail_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    #: The normalised e-mail address or login the request names (deleted once resolved).
    address: Mapped[str] = mapped_column(sa.String(320), nullable=False)
    #: The language of the page the request came from (used when the account has none).
    locale: Mapped[str | None] = mapped_column(sa.String(5))


class MailRequests:
    """Record requests in a view; resolve them in the outbox's delivery loop."""

    def __init__(self) -> None:
        self.db = None
        self.model = None
        self.handlers: dict[str, Handler] = {}

    def init_app(self, app: Flask, db, model, outbox, *, base_url_setting: str) -> None:
        """Bind to the service's database and model; resolve before each delivery round."""
        self.db, self.model = db, model
        self.base_url_setting = base_url_setting
        app.extensions["mail_requests"] = self
        outbox.add_preparer(self.resolve_pending)

    def handler(self, kind: str) -> Callable[[Handler], Handler]:
        """Register the function that resolves requests of ``kind`` (``fn(address, locale)``)."""
        def register(fn: Handler) -> Handler:
            self.handlers[kind] = fn
            return fn
        return register

    def record(self, kind: str, address: str, locale: str | None) -> None:
        """Add one request to the current transaction (one INSERT, whoever the address is)."""
        if kind not in self.handlers:
            raise KeyError(f"no mail request handler for {kind!r}")
        self.db.session.add(self.model(kind=kind, address=address[:320],
                                       locale=(locale or None) and str(locale)[:5],
                                       created_at=utcnow()))

    def resolve_pending(self, limit: int = 100) -> int:
        """Resolve due requests (each once, even with several senders); return how many."""
        session = self.db.session
        table = self.model.__table__
        session.execute(sa.delete(table).where(table.c.created_at < utcnow() - MAX_AGE))
        rows = session.execute(sa.select(table.c.id, table.c.kind, table.c.address,
                                         table.c.locale)
                               .order_by(table.c.id).limit(limit)).all()
        session.commit()
        resolved = 0
        for row in rows:
            claimed = session.execute(sa.delete(table).where(table.c.id == row.id)).rowcount == 1
            if not claimed:
                session.rollback()
                continue  # another sender took it
            try:
                with current_app.test_request_context(
                        "/", base_url=current_app.config[self.base_url_setting]):
                    self.handlers[row.kind](row.address, row.locale)
                session.commit()
                resolved += 1
            except Exception as exc:  # noqa: BLE001 - one bad request must not stop the others
                session.rollback()
                # Dropped rather than retried forever; the person can ask again. Only the
                # exception's type is logged: its text may name the address.
                session.execute(sa.delete(table).where(table.c.id == row.id))
                session.commit()
                log.error("mail request %s (%s) dropped: %s", row.id, row.kind,
                          type(exc).__name__)
        return resolved


def current_mail_requests() -> MailRequests:
    """Return the mail requests of the current app."""
    return current_app.extensions["mail_requests"]
