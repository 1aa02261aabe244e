"""The mail outbox: same-transaction queuing, real SMTP delivery, retries, no duplicates."""

import threading
from datetime import timedelta

import pytest
import time_machine

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
