"""Signing in and out at the IdP: /login, /login/code, /logout and the accounts CLI."""

from __future__ import annotations

import json
import re

import pyotp
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from idp.accounts import mfa
from idp.accounts.models import (
    ACTIVE,
    DISABLED,
    PENDING_ACTIVATION,
    PENDING_CONSENT,
    Account,
)
from idp.core.models import AuditEvent
from idp.extensions import db
from tests.idp.accounts_factories import PASSWORD, make_account


def login(client, email, password, **query):
    client.get("/login", query_string=query)
    return client.post("/login", query_string=query, data={"email": email, "password": password})


def events(name):
    return db.session.execute(sa.select(AuditEvent).where(AuditEvent.event == name)).scalars().all()


def test_login_page_has_the_contract_fields(idp_client):
    page = idp_client.get("/login").get_data(as_text=True)
    for name in ("email", "password", "csrf_token"):
        assert f'name="{name}"' in page
    assert 'autocomplete="current-password"' in page


def test_sign_in_and_go_to_next(idp_client, idp_app):
    account = make_account("ola@example.org")
    response = login(idp_client, "OLA@example.org ", PASSWORD, next="/somewhere?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/somewhere?x=1"
    with idp_client.session_transaction() as sess:
        assert sess["uid"] == account.id
        assert sess["amr"] == ["pwd"]
    assert events("login.succeeded")[0].subject == account.sub
    assert db.session.get(Account, account.id).last_login_at is not None


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "\\\\evil"])
def test_next_to_another_site_is_ignored(idp_client, next_url):
    make_account("ola@example.org")
    response = login(idp_client, "ola@example.org", PASSWORD, next=next_url)
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_signed_in_user_is_sent_on_unless_forced(idp_client):
    make_account("ola@example.org")
    login(idp_client, "ola@example.org", PASSWORD)
    assert idp_client.get("/login?next=/x").headers["Location"] == "/x"
    forced = idp_client.get("/login", query_string={"next": "/x", "force": "1"})
    assert forced.status_code == 200
    assert 'value="ola@example.org"' in forced.get_data(as_text=True)


def test_login_hint_prefills_email(idp_client):
    page = idp_client.get("/login?login_hint=hint@example.org").get_data(as_text=True)
    assert 'value="hint@example.org"' in page


def _without_csrf(body: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", body)


def test_one_message_for_unknown_email_and_wrong_password(idp_client, idp_app, monkeypatch):
    make_account("ola@example.org")
    hasher = idp_app.extensions["hasher"]
    calls = []
    original = hasher.verify
    monkeypatch.setattr(hasher, "verify", lambda h, p: calls.append(h) or original(h, p))
    wrong = login(idp_client, "ola@example.org", "Wrong1Password")
    unknown = login(idp_client, "nobody@example.org", "Wrong1Password")
    assert wrong.status_code == unknown.status_code == 200
    wrong_body = _without_csrf(wrong.get_data(as_text=True)).replace("ola@example.org", "X")
    unknown_body = _without_csrf(unknown.get_data(as_text=True)).replace("nobody@example.org", "X")
    assert wrong_body == unknown_body
    assert "Wrong e-mail address or password" in wrong_body or "Błędny" in wrong_body
    # Both paths ran exactly one argon2 verification (a dummy one for the unknown address).
    assert len(calls) == 2 and calls[0] is not None and calls[1] is None
    assert 'value="Wrong1Password"' not in wrong.get_data(as_text=True)
    failures = events("login.failed")
    assert {e.details["reason"] for e in failures} == {"wrong_password", "unknown_account"}
    assert all("password" not in json.dumps(e.details).lower().replace("wrong_password", "")
               for e in failures)


@pytest.mark.parametrize("status,marker", [
    (PENDING_ACTIVATION, "account-status"),
    (PENDING_CONSENT, "account-status"),
    (DISABLED, "account-status"),
])
def test_not_active_account_explained_only_after_right_password(idp_client, status, marker):
    make_account("kid@example.org", status=status)
    wrong = login(idp_client, "kid@example.org", "Wrong1Password")
    assert marker not in wrong.get_data(as_text=True)
    right = login(idp_client, "kid@example.org", PASSWORD)
    assert right.status_code == 403
    assert marker in right.get_data(as_text=True)
    with idp_client.session_transaction() as sess:
        assert "uid" not in sess


def test_rehash_on_login_with_stronger_parameters(idp_app, idp_client):
    account = make_account("ola@example.org")
    old_hash = account.password_hash
    from shared.passwords import Hasher

    idp_app.extensions["hasher"] = Hasher(time_cost=2, memory_cost=16, parallelism=1)
    login(idp_client, "ola@example.org", PASSWORD)
    db.session.expire_all()
    new_hash = db.session.get(Account, account.id).password_hash
    assert new_hash != old_hash and "t=2" in new_hash


@pytest.mark.app_config({"THROTTLE_PER_ACCOUNT": "3 per 15 minutes"})
def test_account_throttled_after_failures_even_with_right_password(idp_client):
    make_account("ola@example.org")
    for _ in range(3):
        assert login(idp_client, "ola@example.org", "Wrong1Password").status_code == 200
    blocked = login(idp_client, "ola@example.org", PASSWORD)
    assert blocked.status_code == 429
    with idp_client.session_transaction() as sess:
        assert "uid" not in sess


@pytest.mark.app_config({"THROTTLE_PER_IP": "4 per 15 minutes"})
def test_address_throttled_across_accounts(idp_client):
    for n in range(4):
        login(idp_client, f"n{n}@example.org", "Wrong1Password")
    make_account("ola@example.org")
    assert login(idp_client, "ola@example.org", PASSWORD).status_code == 429


@pytest.mark.app_config({"LOGIN_RATE_LIMIT": "2 per minute"})
def test_request_rate_limit_on_post(idp_client):
    make_account("ola@example.org")
    idp_client.get("/login")
    codes = [idp_client.post("/login", data={"email": "x@example.org", "password": "y"}).status_code
             for _ in range(3)]
    assert codes[-1] == 429


def test_post_without_csrf_is_refused(idp_client):
    make_account("ola@example.org")
    response = idp_client.post("/login", data={"email": "ola@example.org", "password": PASSWORD,
                                               "csrf_token": ""})
    assert response.status_code == 400
    with idp_client.session_transaction() as sess:
        assert "uid" not in sess


def test_logout_needs_post_with_csrf(idp_client):
    make_account("ola@example.org")
    login(idp_client, "ola@example.org", PASSWORD)
    page = idp_client.get("/logout")
    assert page.status_code == 200
    with idp_client.session_transaction() as sess:
        assert "uid" in sess
    assert idp_client.post("/logout", data={"csrf_token": ""}).status_code == 400
    assert idp_client.post("/logout", data={}).status_code == 302
    with idp_client.session_transaction() as sess:
        assert "uid" not in sess
    assert events("logout")


def test_session_ends_when_session_version_changes(idp_client):
    account = make_account("ola@example.org")
    login(idp_client, "ola@example.org", PASSWORD)
    assert idp_client.get("/login").status_code == 302
    account.session_version += 1
    db.session.commit()
    assert idp_client.get("/login").status_code == 200


def test_second_factor_asked_when_enabled(idp_client):
    account = make_account("ola@example.org")
    secret = mfa.new_secret()
    totp = pyotp.TOTP(secret)
    codes = mfa.enable(account, secret, totp.now())
    account.totp_last_counter -= 1  # let the current code be used once more at sign-in
    db.session.commit()
    response = login(idp_client, "ola@example.org", PASSWORD, next="/after")
    assert response.headers["Location"].endswith("/login/code")
    with idp_client.session_transaction() as sess:
        assert "uid" not in sess
    idp_client.get("/login/code")
    assert idp_client.post("/login/code", data={"code": "000000"}).status_code == 200
    done = idp_client.post("/login/code", data={"code": totp.now()})
    assert done.headers["Location"] == "/after"
    with idp_client.session_transaction() as sess:
        assert sess["amr"] == ["pwd", "otp", "mfa"]
    # A recovery code works once.
    logout(idp_client)
    login(idp_client, "ola@example.org", PASSWORD)
    idp_client.get("/login/code")
    assert idp_client.post("/login/code", data={"code": codes[0].upper()}).status_code == 302
    with idp_client.session_transaction() as sess:
        assert sess["amr"] == ["pwd", "mfa"]
    logout(idp_client)
    login(idp_client, "ola@example.org", PASSWORD)
    idp_client.get("/login/code")
    assert idp_client.post("/login/code", data={"code": codes[0]}).status_code == 200


def logout(client):
    client.get("/logout")
    assert client.post("/logout", data={}).status_code == 302


def test_cli_creates_active_account(idp_app):
    runner = CliRunner()
    result = runner.invoke(idp_app.cli, ["accounts", "create", "--email", "Cli@Example.org",
                                         "--password", "Mocne8Haslo", "--given-name", "Ewa"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["email"] == "cli@example.org" and data["status"] == ACTIVE and data["sub"]
    again = runner.invoke(idp_app.cli, ["accounts", "create", "--email", "cli@example.org",
                                        "--password", "Mocne8Haslo"])
    assert again.exit_code != 0
    weak = runner.invoke(idp_app.cli, ["accounts", "create", "--email", "w@example.org",
                                       "--password", "short"])
    assert weak.exit_code != 0 and "password" in weak.output



def test_login_page_lets_the_form_lead_on_to_a_registered_client_only(idp_client):
    """Browsers apply the page's CSP form-action to the redirects after the post."""
    from urllib.parse import urlencode

    from tests.idp.conftest import REDIRECT, make_client

    make_client("rp")
    good = "/oauth/authorize?" + urlencode({"client_id": "rp", "redirect_uri": REDIRECT})
    csp = idp_client.get("/login", query_string={"next": good}).headers["Content-Security-Policy"]
    assert "form-action 'self' https://rp.example.org;" in csp
    bad = "/oauth/authorize?" + urlencode({"client_id": "rp",
                                           "redirect_uri": "https://evil.example/cb"})
    csp = idp_client.get("/login", query_string={"next": bad}).headers["Content-Security-Policy"]
    assert "evil" not in csp and "form-action 'self';" in csp
    plain = idp_client.get("/login").headers["Content-Security-Policy"]
    assert "rp.example.org" not in plain


def test_language_switch_keeps_where_the_sign_in_returns_to(idp_client):
    page = idp_client.get("/login", query_string={"next": "/oauth/authorize?client_id=rp"})
    body = page.get_data(as_text=True)
    assert 'href="?next=%2Foauth%2Fauthorize%3Fclient_id%3Drp&amp;lang=en"' in body
