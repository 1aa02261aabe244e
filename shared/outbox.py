"""The mail outbox: mails are rows written in the same transaction as the change that causes them.

A request never talks to SMTP. It adds an :class:`OutboxMessageMixin` row (so a
rolled-back change sends nothing, and a committed one cannot lose its mail); a
sender later claims due rows one by one and delivers them with Flask-Mail. A
failed delivery is retried with exponential back-off, forever: the mail waits in
the outbox until the server takes it.

Who sends: by default a thread in every web process (started by the process's
first request, so a gunicorn master or a CLI command never sends);
``MAIL_BACKGROUND_SENDER=0`` turns it off for deployments that run dedicated
``flask … mail deliver --loop`` processes instead.

Claiming is a conditional UPDATE that succeeds for exactly one sender, so several
senders (threads, gunicorn workers, machines) never send the same mail at once.

Delivery is at least once. The attempt is committed before SMTP is spoken to;
a sender that dies after the server accepted the mail but before it recorded
the success leaves a row that is pending with an attempt and no error. When its
claim runs out the mail is sent again, with the same ``Message-ID`` it was given
when queued, and the resend is logged: mail clients and archives recognise the
duplicate by that header. Nothing is ever lost; in that one window a mail can
arrive twice.
"""

from __future__ import annotations

import logging
import secrets
import sys
import threading
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_mail import Mail, Message
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import UTCDateTime, utcnow

log = logging.getLogger(__name__)

PENDING = "pending"
SENT = "sent"

#: How long a claim protects a row; a sender that died mid-send frees it after this.
CLAIM_TIMEOUT = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)  # the default of MAIL_FIRST_RETRY_SECONDS
MAX_RETRY = timedelta(hours=1)

mail = Mail()


class OutboxMessageMixin:
    """Columns of a queued mail; each service maps it to its own ``mail_outbox`` table."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    recipient: Mapped[str] = mapped_column(sa.String(320), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    body_text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING, nullable=False, index=True)
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Given when queued and kept across retries: a resend carries the same Message-ID.
    message_id: Mapped[str | None] = mapped_column(sa.String(255))
    #: When the last attempt began (committed before SMTP is spoken to).
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def retry_delay(attempts: int, first: timedelta = FIRST_RETRY) -> timedelta:
    """Back-off after ``attempts`` failed deliveries: 30 s, 1 min, 2 min, … capped at 1 h."""
    return min(first * (2 ** max(attempts - 1, 0)), MAX_RETRY)


class Outbox:
    """Queue and deliver mails for one service (bound to its ``db`` and outbox model)."""

    def __init__(self) -> None:
        self.db = None
        self.model = None
        self.preparers: list = []

    def init_app(self, app: Flask, db, model) -> None:
        """Bind to the service's database and model, set up Flask-Mail, the CLI and the sender."""
        self.db, self.model = db, model
        mail.init_app(app)
        app.extensions["outbox"] = self
        app.cli.add_command(_mail_cli(self))
        if app.config["MAIL_BACKGROUND_SENDER"]:
            starter = app.extensions["outbox_sender"] = _SenderStarter(app, self)
            app.before_request(starter.ensure_started)

    def enqueue(self, recipient: str, subject: str, body_text: str, body_html: str | None = None):
        """Add a mail to the current transaction; it is sent only if the transaction commits."""
        message = self.model(recipient=recipient, subject=subject, body_text=body_text,
                             body_html=body_html, status=PENDING, attempts=0,
                             next_attempt_at=utcnow(), message_id=new_message_id())
        self.db.session.add(message)
        return message

    def add_preparer(self, prepare) -> None:
        """Run ``prepare()`` at the start of every delivery round (it may queue mails)."""
        if prepare not in self.preparers:  # the app factory may run more than once
            self.preparers.append(prepare)

    def overdue(self, now: datetime | None = None) -> int:
        """How many mails have waited longer than ``MAIL_MAX_WAIT_MINUTES`` (0 when all is well)."""
        table = self.model.__table__
        limit = (now or utcnow()) - timedelta(minutes=current_app.config["MAIL_MAX_WAIT_MINUTES"])
        return self.db.session.execute(
            sa.select(sa.func.count()).select_from(table)
            .where(table.c.status == PENDING, table.c.created_at < limit)).scalar_one()

    def _claim(self, message_id: int, sender_id: str, now: datetime) -> bool:
        table = self.model.__table__
        result = self.db.session.execute(
            sa.update(table)
            .where(table.c.id == message_id, table.c.status == PENDING,
                   table.c.next_attempt_at <= now,
                   sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now))
            .values(claimed_by=sender_id, claimed_until=now + CLAIM_TIMEOUT))
        self.db.session.commit()
        return result.rowcount == 1

    def deliver_due(self, limit: int = 100) -> tuple[int, int]:
        """Send the mails that are due; return (sent, failed). Safe to run concurrently."""
        for prepare in self.preparers:
            prepare()
        session = self.db.session
        sender_id = secrets.token_hex(8)
        now = utcnow()
        table = self.model.__table__
        due_ids = session.execute(
            sa.select(table.c.id)
            .where(table.c.status == PENDING, table.c.next_attempt_at <= now,
                   sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now))
            .order_by(table.c.next_attempt_at, table.c.id).limit(limit)).scalars().all()
        session.commit()
        sent = failed = 0
        for message_id in due_ids:
            if not self._claim(message_id, sender_id, utcnow()):
                continue  # another sender took it
            message = session.get(self.model, message_id)
            unconfirmed = message.attempts > 0 and message.last_error is None
            message.message_id = message.message_id or new_message_id()
            message.attempts += 1
            message.attempted_at = utcnow()
            session.commit()  # the attempt is on record before the SMTP server hears of it
            if unconfirmed:
                log.warning("mail %s: an earlier attempt was not confirmed (sender stopped); "
                            "sending again with the same Message-ID", message.id)
            try:
                outgoing = Message(subject=message.subject, recipients=[message.recipient],
                                   body=message.body_text, html=message.body_html)
                outgoing.msgId = message.message_id
                mail.send(outgoing)
            except Exception as exc:  # noqa: BLE001 - any SMTP or network failure is retried
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                message.next_attempt_at = utcnow() + retry_delay(
                    message.attempts, timedelta(seconds=current_app.config["MAIL_FIRST_RETRY_SECONDS"]))
                failed += 1
                log.warning("mail %s not delivered (attempt %s): %s", message.id,
                            message.attempts, type(exc).__name__)
            else:
                message.status = SENT
                message.sent_at = utcnow()
                message.last_error = None
                sent += 1
            message.claimed_by = None
            message.claimed_until = None
            session.commit()
        return sent, failed


def new_message_id() -> str:
    """A globally unique Message-ID in the sender's domain (kept for every retry of the mail)."""
    domain = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2]
    return make_msgid(domain=domain or "e-dziennik.local")


class _SenderStarter:
    """Start the background sender with the first request of each web process.

    Not in the factory: a gunicorn master that imports the app before forking (or a CLI
    command) would otherwise run a sender too, and a thread does not survive a fork.
    """

    def __init__(self, app: Flask, outbox: Outbox) -> None:
        self.app, self.outbox = app, outbox
        self.lock = threading.Lock()
        self.sender: BackgroundSender | None = None

    def ensure_started(self) -> None:
        if self.sender is not None and self.sender.is_alive():
            return
        with self.lock:
            if self.sender is None or not self.sender.is_alive():
                self.sender = BackgroundSender(self.app, self.outbox)
                self.sender.start()

    def stop(self) -> None:
        """Stop this process's sender (tests; a web process simply exits)."""
        if self.sender is not None:
            self.sender.stopped.set()
            self.sender.join(30)


class BackgroundSender(threading.Thread):
    """Drain the outbox every few seconds inside a web process (the default)."""

    def __init__(self, app: Flask, outbox: Outbox, interval: float = 2.0) -> None:
        super().__init__(name="outbox-sender", daemon=True)
        self.app, self.outbox, self.interval = app, outbox, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            with self.app.app_context():
                try:
                    self.outbox.deliver_due()
                except Exception:  # noqa: BLE001 - keep the sender alive; the mail stays queued
                    log.exception("outbox sender failed; will retry")
                finally:
                    self.outbox.db.session.remove()


def _mail_cli(outbox: Outbox) -> AppGroup:
    group = AppGroup("mail", help="The mail outbox.")

    @group.command("deliver")
    @click.option("--loop", is_flag=True, help="Keep delivering every few seconds.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
    def deliver(loop: bool, interval: float) -> None:
        """Deliver the mails that are due."""
        while True:
            sent, failed = outbox.deliver_due()
            click.echo(f"sent {sent}, failed {failed} (will retry)")
            if not loop:
                break
            threading.Event().wait(interval)

    @group.command("status")
    def status() -> None:
        """Count queued and sent mails; exit 1 when mails wait longer than the threshold."""
        table = outbox.model.__table__
        rows = outbox.db.session.execute(
            sa.select(table.c.status, sa.func.count()).group_by(table.c.status)).all()
        for state, count in rows:
            click.echo(f"{state}: {count}")
        overdue = outbox.overdue()
        if overdue:
            click.echo(f"overdue: {overdue} mails waiting longer than "
                       f"{current_app.config['MAIL_MAX_WAIT_MINUTES']} minutes", err=True)
            sys.exit(1)

    return group


def current_outbox() -> Outbox:
    """Return the outbox of the current app."""
    return current_app.extensions["outbox"]
