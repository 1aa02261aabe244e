"""Account settings: password, e-mail, two-step sign-in, apps, activity, data, deletion."""

from __future__ import annotations

import json

import pyotp
import sqlalchemy as sa

from idp.accounts.models import Account
from idp.extensions import db
from tests.idp.accounts_factories import PASSWORD, make_account
from tests.idp.conftest import Flow, make_client
from tests.idp.unified_support import link_in, outbox

NEW = "Nowe9HasloDlaMnie"


def sign_in(client, email, password=PASSWORD):
    client.get("/login", query_string={"force": "1"})
    return client.post("/login", query_string={"force": "1"},
                       data={"email": email, "password": password})


def fresh(account_id):
    db.session.expire_all()
    return db.session.get(Account, account_id)


def test_settings_need_sign_in(idp_client):
    response = idp_client.get("/account/password")
    assert response.status_code == 302
    assert "/login?next=/account/password" in response.headers["Location"]


def test_overview_and_navigation(idp_client):
    make_account("ola@example.org")
    assert sign_in(idp_client, "ola@example.org").headers["Location"] == "/account"
    page = idp_client.get("/account").get_data(as_text=True)
    assert "ola@example.org" in page
    for path in ("/account/password", "/account/email", "/account/two-factor",
                 "/account/school-accounts", "/account/apps", "/account/activity",
                 "/account/delete"):
        assert idp_client.get(path).status_code == 200, path


def test_change_password_keeps_this_session_and_ends_others(idp_app, idp_client):
    account = make_account("ola@example.org")
    other = idp_app.test_client()
    sign_in(other, "ola@example.org")
    flow = Flow(other, *make_client())
    tokens = flow.tokens(scope="openid offline_access", prompt="consent")
    sign_in(idp_client, "ola@example.org")
    idp_client.get("/account/password")
    wrong = idp_client.post("/account/password", data={
        "current_password": "Wrong1Password", "new_password": NEW, "new_password_confirm": NEW})
    assert 'id="current_password-errors"' in wrong.get_data(as_text=True)
    done = idp_client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW, "new_password_confirm": NEW})
    assert done.status_code == 302
    assert idp_client.get("/account").status_code == 200  # still signed in here
    assert other.get("/account").status_code == 302  # signed out there
    assert flow.post_token({"grant_type": "refresh_token",
                            "refresh_token": tokens["refresh_token"]}).status_code == 400
    assert fresh(account.id).session_version == 2


def test_new_password_rules_shown(idp_client):
    make_account("ola@example.org")
    sign_in(idp_client, "ola@example.org")
    idp_client.get("/account/password")
    response = idp_client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "ola@example.org1A",
        "new_password_confirm": "ola@example.org1A"})
    assert 'id="new_password-errors"' in response.get_data(as_text=True)


def test_change_email_confirmed_at_new_address_and_old_told(idp_app, idp_client):
    account = make_account("ola@example.org")
    sign_in(idp_client, "ola@example.org")
    idp_client.get("/account/email")
    wrong = idp_client.post("/account/email", data={"new_email": "nowy@example.org",
                                                    "current_password": "Wrong1Password"})
    assert 'id="current_password-errors"' in wrong.get_data(as_text=True)
    assert outbox(idp_app, "nowy@example.org") == []
    assert idp_client.post("/account/email", data={
        "new_email": "Nowy@Example.org", "current_password": PASSWORD}).status_code == 302
    assert fresh(account.id).email == "ola@example.org"  # not before confirmation
    assert "nowy@example.org" in outbox(idp_app, "ola@example.org")[-1].body_text
    path = link_in(outbox(idp_app, "nowy@example.org")[-1], "/account/email/confirm/")
    browser = idp_app.test_client()
    assert browser.get(path).status_code == 200
    assert fresh(account.id).email == "ola@example.org"  # a GET changes nothing
    assert browser.post(path, data={}).status_code == 200
    assert fresh(account.id).email == "nowy@example.org"
    assert "nowy@example.org" in outbox(idp_app, "ola@example.org")[-1].body_text
    assert browser.get(path).status_code == 404  # single use
    assert sign_in(idp_app.test_client(), "nowy@example.org").status_code == 302


def test_change_to_taken_address_tells_its_owner_only(idp_app, idp_client):
    make_account("ola@example.org")
    make_account("zajety@example.org")
    sign_in(idp_client, "ola@example.org")
    idp_client.get("/account/email")
    assert idp_client.post("/account/email", data={
        "new_email": "zajety@example.org", "current_password": PASSWORD}).status_code == 302
    mail = outbox(idp_app, "zajety@example.org")[-1]
    assert "/account/email/confirm/" not in mail.body_text
    assert "already has an account" in mail.body_text


def test_two_step_sign_in_setup_and_off(idp_client):
    account = make_account("ola@example.org")
    sign_in(idp_client, "ola@example.org")
    page = idp_client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = page.split('id="totp-key">')[1].split("<")[0].replace(" ", "")
    wrong = idp_client.post("/account/two-factor", data={"code": "000000"})
    assert 'id="code-errors"' in wrong.get_data(as_text=True)
    done = idp_client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and done.get_data(as_text=True).count("<code") == 10
    assert fresh(account.id).totp_enabled_at is not None
    with idp_client.session_transaction() as sess:
        assert "totp_setup" not in sess
    # Turning it off needs the password.
    idp_client.get("/account/two-factor")
    idp_client.post("/account/two-factor/disable", data={"current_password": "Wrong1Password"})
    assert fresh(account.id).totp_enabled_at is not None
    idp_client.post("/account/two-factor/disable", data={"current_password": PASSWORD})
    assert fresh(account.id).totp_enabled_at is None


def test_apps_listed_and_access_withdrawn(idp_app, idp_client):
    make_account("ola@example.org")
    sign_in(idp_client, "ola@example.org")
    client_id, secret = make_client("third", first_party=False, name="Aplikacja Trzecia")
    flow = Flow(idp_client, client_id, secret)
    response = flow.authorize(scope="openid offline_access", prompt="consent")
    page = response.get_data(as_text=True)
    if response.status_code == 200:  # the consent screen of a third-party app
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        params = flow.authorize_params(scope="openid offline_access", prompt="consent")
        response = idp_client.post("/oauth/authorize", data={
            **params, "csrf_token": csrf, "consent_decision": "allow"})
    assert response.status_code == 302
    apps = idp_client.get("/account/apps").get_data(as_text=True)
    assert "Aplikacja Trzecia" in apps
    assert idp_client.post("/account/apps/third/withdraw", data={}).status_code == 302
    assert "Aplikacja Trzecia" not in idp_client.get("/account/apps").get_data(as_text=True)


def test_activity_lists_security_events(idp_client):
    make_account("ola@example.org")
    sign_in(idp_client, "ola@example.org", "Wrong1Password")
    sign_in(idp_client, "ola@example.org")
    page = idp_client.get("/account/activity").get_data(as_text=True)
    assert page.count("<tr>") >= 3  # header, failed attempt, sign-in


def test_download_my_data(idp_client):
    account = make_account("ola@example.org", links=[("ref-p1", "parent", "pupil-1")])
    sign_in(idp_client, "ola@example.org")
    response = idp_client.get("/account/data.json")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["sub"] == account.sub and data["account"]["email"] == "ola@example.org"
    assert data["school_accounts"][0]["ref"] == "ref-p1"
    assert any(e["event"] == "login.succeeded" for e in data["security_events"])
    assert "password_hash" not in json.dumps(data)


def test_delete_account(idp_app, idp_client):
    account = make_account("ola@example.org", links=[("ref-p1", "parent", "pupil-1")])
    sign_in(idp_client, "ola@example.org")
    idp_client.get("/account/delete")
    kept = idp_client.post("/account/delete", data={"current_password": PASSWORD})
    assert 'id="confirm-errors"' in kept.get_data(as_text=True)
    idp_client.post("/account/delete", data={"current_password": PASSWORD, "confirm": "y"})
    assert fresh(account.id) is None
    assert db.session.execute(sa.text("SELECT count(*) FROM school_account_link")).scalar() == 0
    assert idp_client.get("/account").status_code == 302
    assert "deleted" in outbox(idp_app, "ola@example.org")[-1].body_text
