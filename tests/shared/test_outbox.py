"""The mail outbox: same-transaction queuing, real SMTP delivery, retries, no duplicates."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask_mail import email_dispatched

from gradebook_service import create_app
from gradebook_service.core.models import OutboxMessage
from gradebook_service.extensions import db, outbox
from shared.database import utcnow
from shared.mailcatcher import MailCatcher, free_port
from shared.outbox import PENDING, SENT, retry_delay
from tests.conftest import base_config
from tests.support.client import BrowserLikeClient
from tests.support.databases import empty_tables


@pytest.fixture
def make_app(database_urls):
    """Build a gradebook app whose mail goes to ``port``; empty the tables afterwards."""
    apps = []

    def make(port):
        app = create_app({**base_config(database_urls["gradebook"], "gradebook"),
                          "MAIL_PORT": port})
        app.test_client_class = BrowserLikeClient
        apps.append(app)
        return app

    yield make
    with apps[0].app_context():
        empty_tables(db)
    for app in apps:
        with app.app_context():
            db.engine.dispose()  # close pooled connections now, not at garbage collection


def test_mail_is_delivered_to_a_real_smtp_server(make_app, smtp_server):
    app = make_app(smtp_server.smtp_port)
    with app.app_context():
        outbox.enqueue("rodzic@example.pl", "Aktywacja konta", "Kliknij link: http://x/a",
                       "<p>Kliknij link</p>")
        db.session.commit()
        assert outbox.deliver_due() == (1, 0)
        message = db.session.scalars(db.select(OutboxMessage)).one()
        assert message.status == SENT and message.sent_at is not None
    mail = smtp_server.wait_for(lambda m: "rodzic@example.pl" in m.recipients)
    assert mail.subject == "Aktywacja konta"
    assert "Kliknij link: http://x/a" in mail.text()
    assert mail.html() == "<p>Kliknij link</p>\n" or "Kliknij link" in mail.html()


def test_rolled_back_change_sends_nothing(make_app, smtp_server):
    app = make_app(smtp_server.smtp_port)
    with app.app_context():
        outbox.enqueue("rodzic@example.pl", "Nie wysyłaj", "x")
        db.session.rollback()
        assert outbox.deliver_due() == (0, 0)
    assert smtp_server.mails == []


def test_failed_delivery_waits_and_is_retried(make_app):
    port = free_port()  # nothing listens here yet: SMTP is "down"
    app = make_app(port)
    with app.app_context():
        outbox.enqueue("rodzic@example.pl", "Ważne", "treść")
        db.session.commit()
        assert outbox.deliver_due() == (0, 1)
        message = db.session.scalars(db.select(OutboxMessage)).one()
        assert message.status == PENDING and message.attempts == 1
        assert "ConnectionRefusedError" in message.last_error
        assert message.next_attempt_at > utcnow()
        assert outbox.deliver_due() == (0, 0)  # not due yet: back-off

        catcher = MailCatcher(port).start()  # the server comes back
        try:
            with time_machine.travel(utcnow() + retry_delay(1) + timedelta(seconds=1)):
                assert outbox.deliver_due() == (1, 0)
            catcher.wait_for(lambda m: m.subject == "Ważne")
        finally:
            catcher.stop()
        db.session.refresh(message)
        assert message.status == SENT and message.attempts == 2 and message.last_error is None


def test_backoff_grows_and_is_capped():
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[0] == timedelta(seconds=30)
    assert all(a <= b for a, b in zip(delays, delays[1:], strict=False))
    assert delays[-1] == timedelta(hours=1)


def test_web_request_succeeds_while_smtp_is_down(make_app):
    app = make_app(free_port())

    @app.post("/test-only/notify")
    def notify():
        outbox.enqueue("rodzic@example.pl", "Powiadomienie", "treść")
        return "queued"

    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/test-only/notify")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalars(db.select(OutboxMessage.status)).all() == [PENDING]
        assert outbox.deliver_due() == (0, 1)
        assert db.session.scalars(db.select(OutboxMessage.status)).all() == [PENDING]


def test_concurrent_senders_never_send_twice(make_app, smtp_server, db_backend):
    app = make_app(smtp_server.smtp_port)
    count = 40
    with app.app_context():
        for n in range(count):
            outbox.enqueue(f"rodzic{n}@example.pl", f"Mail {n}", "treść")
        db.session.commit()
    results, start = [], threading.Barrier(3)

    def sender():
        with app.app_context():
            start.wait()
            results.append(outbox.deliver_due())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(sent for sent, _ in results) == count
    smtp_server.wait_for(lambda m: len(smtp_server.mails) >= count)
    subjects = [m.subject for m in smtp_server.mails]
    assert len(subjects) == len(set(subjects)) == count
    with app.app_context():
        assert set(db.session.scalars(db.select(OutboxMessage.status))) == {SENT}


def test_message_id_is_given_when_queued_and_kept_across_retries(make_app):
    port = free_port()  # SMTP is down for the first attempt
    app = make_app(port)
    with app.app_context():
        outbox.enqueue("rodzic@example.pl", "Aktywacja", "treść")
        db.session.commit()
        message = db.session.scalars(db.select(OutboxMessage)).one()
        queued_id = message.message_id
        assert queued_id.startswith("<") and queued_id.endswith("@e-dziennik.local>")
        assert outbox.deliver_due() == (0, 1)
        db.session.refresh(message)
        assert message.message_id == queued_id and message.attempted_at is not None
        catcher = MailCatcher(port).start()
        try:
            with time_machine.travel(utcnow() + retry_delay(1) + timedelta(seconds=1)):
                assert outbox.deliver_due() == (1, 0)
            mail = catcher.wait_for(lambda m: m.subject == "Aktywacja")
        finally:
            catcher.stop()
    assert mail.message["Message-ID"] == queued_id


def test_an_unconfirmed_attempt_is_sent_again_with_the_same_message_id(make_app, smtp_server,
                                                                        caplog):
    """A sender that died between SMTP's acceptance and its commit leaves this row behind."""
    app = make_app(smtp_server.smtp_port)
    with app.app_context():
        message = outbox.enqueue("rodzic@example.pl", "Po awarii", "treść")
        message.attempts, message.attempted_at = 1, utcnow() - timedelta(minutes=6)
        message.claimed_by, message.claimed_until = "dead", utcnow() - timedelta(minutes=1)
        db.session.commit()
        queued_id = message.message_id
        with caplog.at_level("WARNING", logger="shared.outbox"):
            assert outbox.deliver_due() == (1, 0)
        db.session.refresh(message)
        assert message.status == SENT and message.attempts == 2
    assert "not confirmed" in caplog.text
    assert smtp_server.wait_for(lambda m: m.subject == "Po awarii").message["Message-ID"] == queued_id


def test_the_attempt_is_committed_before_smtp_is_spoken_to(make_app, smtp_server):
    app = make_app(smtp_server.smtp_port)
    seen = []

    def look_at_the_row(*_args, **_kwargs):
        """Read the row from another connection while the mail is handed to SMTP."""
        with app.extensions["sqlalchemy"].engine.connect() as connection:
            seen.append(connection.execute(sa.select(
                OutboxMessage.attempts, OutboxMessage.status)).one())

    with app.app_context():
        outbox.enqueue("rodzic@example.pl", "Zapisane", "treść")
        db.session.commit()
        with email_dispatched.connected_to(look_at_the_row):
            assert outbox.deliver_due() == (1, 0)
    assert seen == [(1, PENDING)]


def test_every_web_process_sends_by_default(database_urls, smtp_server):
    config = {**base_config(database_urls["gradebook"], "gradebook"),
              "MAIL_PORT": smtp_server.smtp_port}
    del config["MAIL_BACKGROUND_SENDER"]  # the default, as in production
    app = create_app(config)
    starter = app.extensions["outbox_sender"]
    try:
        assert starter.sender is None  # the factory (a gunicorn master, a CLI) starts nothing
        with app.app_context():
            outbox.enqueue("rodzic@example.pl", "Bez osobnego nadawcy", "treść")
            db.session.commit()
        assert app.test_client().get("/healthz").status_code == 200
        assert starter.sender.is_alive()
        smtp_server.wait_for(lambda m: m.subject == "Bez osobnego nadawcy")
    finally:
        starter.stop()
        with app.app_context():
            empty_tables(db)
            db.engine.dispose()


def test_dedicated_senders_turn_the_thread_off(make_app):
    app = make_app(free_port())  # base_config: MAIL_BACKGROUND_SENDER off
    assert "outbox_sender" not in app.extensions


def test_mails_waiting_too_long_fail_healthz_and_mail_status(make_app):
    app = make_app(free_port())
    assert app.test_client().get("/healthz").json == {"status": "ok"}
    with app.app_context():
        outbox.enqueue("rodzic@example.pl", "Utknęła", "treść")
        db.session.commit()
    assert app.test_client().get("/healthz").status_code == 200  # young: not yet a problem
    result = app.test_cli_runner().invoke(args=["mail", "status"])
    assert result.exit_code == 0 and "pending: 1" in result.output
    later = utcnow() + timedelta(minutes=app.config["MAIL_MAX_WAIT_MINUTES"] + 1)
    with time_machine.travel(later):
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json == {"status": "degraded", "mail_overdue": 1}
        result = app.test_cli_runner().invoke(args=["mail", "status"])
    assert result.exit_code == 1 and "overdue: 1" in result.output
