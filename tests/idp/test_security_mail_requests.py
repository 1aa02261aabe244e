"""Recovery and resend at the IdP: the request does the same work for every address,
and the mail sender mails the link (or nothing, for a stranger) — issue 11, item 7."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from idp.accounts.models import PENDING_ACTIVATION, MailRequest
from idp.core.models import OutboxMessage
from idp.extensions import db
from shared.outbox import mail
from tests.idp.accounts_factories import PASSWORD, make_account
from tests.support.request_work import recorded_work

NEW = "Nowe9HasloDlaMnie"


def _post_work(app, client, path, email):
    client.get(path)
    with recorded_work(app, db.engine) as work:
        response = client.post(path, data={"email": email})
    assert response.status_code == 200
    return work.normalised()


@pytest.mark.parametrize("path", ["/recovery", "/register/resend"])
def test_known_and_unknown_addresses_cost_the_same_sql_and_templates(idp_app, idp_client, path):
    make_account("ola@example.org")
    make_account("nowy@example.org", status=PENDING_ACTIVATION)
    known_address = "ola@example.org" if path == "/recovery" else "nowy@example.org"
    _post_work(idp_app, idp_client, path, "rozgrzewka@example.org")  # warm caches
    known = _post_work(idp_app, idp_client, path, known_address)
    unknown = _post_work(idp_app, idp_client, path, "nikt@example.org")
    assert known == unknown
    statements, templates = known
    assert any("INSERT INTO mail_request" in s for s in statements)
    assert not any(re.search(r"\bFROM account\b", s) for s in statements)  # no lookup
    assert "mail_outbox" not in " ".join(statements)  # no mail work in the request
    assert templates and not any("/mail/" in t for t in templates)  # no mail rendered
    # Nothing is mailed yet; one small row per request waits for the sender.
    assert db.session.execute(sa.select(OutboxMessage)).first() is None
    rows = db.session.execute(sa.select(MailRequest.address)).scalars().all()
    assert sorted(rows) == sorted(["rozgrzewka@example.org", known_address, "nikt@example.org"])


def _deliver(app, smtp_server):
    """Run the real delivery command against the SMTP server (mail requests resolve first)."""
    app.config["MAIL_PORT"] = smtp_server.smtp_port
    mail.init_app(app)
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def test_recovery_link_arrives_by_smtp_after_delivery_and_works(idp_app, idp_client,
                                                                  smtp_server):
    account = make_account("ola@example.org")
    account.locale = "uk"
    db.session.commit()
    idp_client.get("/recovery")
    idp_client.post("/recovery", data={"email": "ola@example.org"})
    idp_client.post("/recovery", data={"email": "nikt@example.org"})
    assert "sent 1, failed 0" in _deliver(idp_app, smtp_server)
    received = smtp_server.wait_for(lambda m: "ola@example.org" in m.recipients)
    assert "Українська версія" in received.text()  # the person's language, with Polish
    link = next(u for u in received.links() if "/recovery/" in u)
    path = link[link.index("/recovery/"):]
    idp_client.get(path)
    done = idp_client.post(path, data={"new_password": NEW, "new_password_confirm": NEW})
    assert done.status_code == 200
    assert smtp_server.for_recipient("nikt@example.org") == []
    # The requests are gone: no address stays stored once resolved.
    assert db.session.execute(sa.select(MailRequest)).first() is None
    signed_in = idp_app.test_client()
    signed_in.get("/login", query_string={"force": "1"})
    assert signed_in.post("/login", query_string={"force": "1"},
                          data={"email": "ola@example.org", "password": NEW}).status_code == 302
    assert signed_in.post("/login", query_string={"force": "1"}, data={
        "email": "ola@example.org", "password": PASSWORD}).status_code != 302


def test_resend_link_arrives_by_smtp_and_activates(idp_app, idp_client, smtp_server):
    make_account("nowy@example.org", status=PENDING_ACTIVATION)
    make_account("ola@example.org")  # active: nothing to resend
    idp_client.get("/register/resend")
    for address in ("nowy@example.org", "ola@example.org", "nikt@example.org"):
        assert idp_client.post("/register/resend", data={"email": address}).status_code == 200
    _deliver(idp_app, smtp_server)
    received = smtp_server.wait_for(lambda m: "nowy@example.org" in m.recipients)
    link = next(u for u in received.links() if "/activate/" in u)
    path = link[link.index("/activate/"):]
    idp_client.get(path)
    assert idp_client.post(path, data={}).status_code == 200
    assert smtp_server.for_recipient("ola@example.org") == []
    assert smtp_server.for_recipient("nikt@example.org") == []


def test_two_senders_resolve_a_request_once(idp_app, idp_client):
    from idp.extensions import mail_requests

    make_account("ola@example.org")
    idp_client.get("/recovery")
    idp_client.post("/recovery", data={"email": "ola@example.org"})
    assert mail_requests.resolve_pending() == 1
    assert mail_requests.resolve_pending() == 0
    assert len(db.session.execute(sa.select(OutboxMessage)).scalars().all()) == 1


@pytest.mark.app_config({"RECOVERY_LIMIT_PER_ADDRESS": "2 per hour"})
def test_throttled_requests_record_nothing(idp_app, idp_client):
    idp_client.get("/recovery")
    codes = [idp_client.post("/recovery", data={"email": "nikt@example.org"}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    assert idp_client.post("/recovery", data={"email": "inny@example.org"}).status_code == 200
    assert len(db.session.execute(sa.select(MailRequest)).scalars().all()) == 3
