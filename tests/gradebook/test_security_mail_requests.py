"""The register's "send me a reset link": the same work for every login in the request; the
mail sender mails the link only to a confirmed recovery address (issue 11, item 7)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from gradebook_service.accounts.models import MailRequest
from gradebook_service.core.models import OutboxMessage
from gradebook_service.extensions import db
from shared.outbox import mail
from tests.gradebook import accounts_factories as f
from tests.support.request_work import recorded_work

NEW = "Zielony7Kasztan"


def _family(recovery_email: str | None = "mama@example.org", locale: str | None = None):
    school = f.make_school()
    school_class = f.make_class(school, "2b", homeroom=f.make_staff(school).staff)
    (parent,) = f.parent_accounts(f.make_family(school_class))
    f.make_ready(parent)
    parent.recovery_email = recovery_email
    parent.recovery_email_verified_at = f.utcnow() if recovery_email else None
    parent.locale = locale
    f.commit()
    return parent


def _post_work(app, client, login):
    with recorded_work(app, db.engine) as work:
        response = client.post("/password-reset", data={"login": login})
    assert response.status_code == 200
    return work.normalised()


def test_known_and_unknown_logins_cost_the_same_sql_and_templates(gradebook_app,
                                                                  gradebook_client):
    parent = _family()
    gradebook_client.get("/password-reset")
    _post_work(gradebook_app, gradebook_client, "9999999")  # warm caches
    known = _post_work(gradebook_app, gradebook_client, parent.login)
    unknown = _post_work(gradebook_app, gradebook_client, "1234567")
    assert known == unknown
    statements, templates = known
    assert any("INSERT INTO mail_request" in s for s in statements)
    assert not any(re.search(r"\bFROM school_account\b", s) for s in statements)
    assert "mail_outbox" not in " ".join(statements)
    assert templates and not any("/mail/" in t for t in templates)  # no mail rendered
    assert db.session.execute(sa.select(OutboxMessage)).first() is None


def test_reset_link_arrives_by_smtp_in_the_persons_language(gradebook_app, gradebook_client,
                                                            smtp_server):
    parent = _family(locale="en")
    unconfirmed = _family(recovery_email=None)  # no confirmed address: never mailed
    gradebook_client.get("/password-reset")  # a Polish page
    for login in (parent.login, unconfirmed.login, "1234567"):
        gradebook_client.post("/password-reset", data={"login": login})
    gradebook_app.config["MAIL_PORT"] = smtp_server.smtp_port
    mail.init_app(gradebook_app)
    result = gradebook_app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert "sent 1, failed 0" in result.output, result.output
    received = smtp_server.wait_for(lambda m: "mama@example.org" in m.recipients)
    assert len(smtp_server.mails) == 1
    assert "password" in received.subject.lower()  # English, the parent's choice
    link = next(u for u in received.links() if "/password-reset/" in u)
    path = link[link.index("/password-reset/"):]
    gradebook_client.get(path)
    response = gradebook_client.post(path, data={"new_password": NEW,
                                                 "new_password_confirm": NEW})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.execute(sa.select(MailRequest)).first() is None
    probe = gradebook_app.test_client()
    probe.get("/login")
    assert probe.post("/login", data={"login": parent.login, "password": NEW}).status_code == 302
