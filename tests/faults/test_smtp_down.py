"""SMTP down for a while: mails wait in the outbox and all arrive once it is back, none twice.

Two real gunicorn processes (two workers each) of the gradebook send from their
web processes, as by default; nothing listens on the SMTP port at first.
"""

from __future__ import annotations

import time

import pytest
import requests
import sqlalchemy as sa

from gradebook_service.core.models import OutboxMessage
from gradebook_service.extensions import db, outbox
from shared.mailcatcher import MailCatcher, free_port
from shared.outbox import PENDING, SENT
from tests.support.live import ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240),
              pytest.mark.one_backend("what fails is SMTP; concurrent senders' claims run on both "
                                      "engines in tests/shared/test_outbox.py")]

MAILS = 30


def test_mails_wait_for_smtp_and_arrive_once(gradebook_app, database_urls, tmp_path):
    smtp_port = free_port()  # SMTP is down: nothing listens here yet
    env = {"SECRET_KEY": gradebook_app.config["SECRET_KEY"], "EDZ_INSTANCE_DIR": str(tmp_path),
           "GRADEBOOK_DATABASE_URL": database_urls["gradebook"], "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp_port), "MAIL_FIRST_RETRY_SECONDS": "1"}
    servers = [ServiceProcess("gradebook", env, workers=2) for _ in range(2)]
    catcher = MailCatcher(smtp_port)
    try:
        for server in servers:
            server.start(timeout=120)  # /healthz: its first request starts the sender
        for server in servers:  # every worker has had a request, so every worker sends
            for _ in range(6):
                requests.get(server.url + "/healthz", timeout=30)
        for n in range(MAILS):
            outbox.enqueue(f"rodzic{n}@example.pl", f"Aktywacja {n}", "treść")
        db.session.commit()

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _failed_attempts():
            time.sleep(0.5)
        time.sleep(3)  # several rounds of refused deliveries
        assert _statuses() == {PENDING: MAILS}, "a mail left the outbox while SMTP was down"
        assert _failed_attempts() >= 1

        catcher.start()  # SMTP is back
        catcher.wait_for(lambda m: len(catcher.mails) >= MAILS, timeout=90)
        time.sleep(3)  # a duplicate would arrive now
        subjects = sorted(m.subject for m in catcher.mails)
        assert subjects == sorted(f"Aktywacja {n}" for n in range(MAILS))
        ids = [m.message["Message-ID"] for m in catcher.mails]
        assert len(set(ids)) == MAILS
        assert _statuses() == {SENT: MAILS}
    finally:
        for server in servers:
            server.stop()
        catcher.stop()


def _statuses() -> dict[str, int]:
    db.session.remove()
    return dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                   .group_by(OutboxMessage.status)).all())


def _failed_attempts() -> int:
    db.session.remove()
    return db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.last_error.is_not(None))).scalar_one()
