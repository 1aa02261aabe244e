"""Schemas built by the real CLI on both backends; the mail catcher's SMTP side and web page."""

import smtplib
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from shared.mailcatcher import MailCatcher, free_port, serve_http
from tests.support.databases import database_url, drop_schemas

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize(("app", "variable", "table"), [
    ("idp", "IDP_DATABASE_URL", "account"),
    ("gradebook_service", "GRADEBOOK_DATABASE_URL", "school_account"),
])
def test_flask_db_upgrade_builds_the_schema(app, variable, table, db_backend, tmp_path, request):
    url = database_url(db_backend, f"cli_{app}", "x", tmp_path)
    request.addfinalizer(lambda: drop_schemas(db_backend, [f"cli_{app}"], "x"))
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", app, "db", "upgrade"], cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "EDZ_INSTANCE_DIR": str(tmp_path), variable: url},
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    engine = sa.create_engine(url)
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {table, "mail_outbox", "audit_event", "alembic_version"} <= names


def test_mail_catcher_receives_and_lists_mail():
    catcher = MailCatcher().start()
    server = serve_http(catcher, free_port())
    try:
        message = EmailMessage()
        message["From"], message["To"] = "szkola@example.pl", "rodzic@example.pl"
        message["Subject"] = "Aktywuj konto — Żory"
        message.set_content("Link: http://127.0.0.1:5001/activate/abc")
        with smtplib.SMTP("127.0.0.1", catcher.smtp_port) as smtp:
            smtp.send_message(message)
        mail = catcher.wait_for(lambda m: m.subject.startswith("Aktywuj"))
        assert mail.links() == ["http://127.0.0.1:5001/activate/abc"]
        page = requests.get(f"http://127.0.0.1:{server.server_port}/", timeout=5)
        assert "Aktywuj konto — Żory" in page.text
        assert '<a href="http://127.0.0.1:5001/activate/abc">' in page.text
        api = requests.get(f"http://127.0.0.1:{server.server_port}/api/messages", timeout=5).json()
        assert api[0]["to"] == ["rodzic@example.pl"]
        # A poller asks only for the mails it has not read yet.
        after = f"http://127.0.0.1:{server.server_port}/api/messages?after="
        assert [m["subject"] for m in requests.get(after + "0", timeout=5).json()] == [mail.subject]
        assert requests.get(after + "1", timeout=5).json() == []
    finally:
        server.shutdown()
        server.server_close()
        catcher.stop()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_mail_catcher_page_is_no_wider_than_the_screen(chromium, width):
    """A long activation link (a token of ~200 characters) wraps instead of widening the page."""
    catcher = MailCatcher().start()
    server = serve_http(catcher, free_port())
    try:
        message = EmailMessage()
        message["From"], message["To"] = "szkola@example.pl", "rodzic@example.pl"
        message["Subject"] = "Aktywuj konto"
        message.set_content("Link: http://127.0.0.1:5001/activate/" + "x" * 220)
        with smtplib.SMTP("127.0.0.1", catcher.smtp_port) as smtp:
            smtp.send_message(message)
        catcher.wait_for(lambda m: m.subject == "Aktywuj konto")
        context = chromium.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
    finally:
        server.shutdown()
        server.server_close()
        catcher.stop()
