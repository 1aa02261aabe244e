"""Forgotten password: same answer for every address, single-use 1-hour links, sessions end."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from idp.accounts.models import PENDING_ACTIVATION, Account
from idp.extensions import db
from tests.idp.accounts_factories import PASSWORD, make_account
from tests.idp.conftest import Flow, make_client
from tests.idp.unified_support import link_in, outbox

NEW = "Nowe9HasloDlaMnie"


def _strip(body: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", body)


def ask(client, email):
    client.get("/recovery")
    return client.post("/recovery", data={"email": email})


def sign_in(client, email, password=PASSWORD):
    client.get("/login", query_string={"force": "1"})
    return client.post("/login", query_string={"force": "1"},
                       data={"email": email, "password": password})


def reset_path(idp_app, email):
    return link_in(outbox(idp_app, email)[-1], "/recovery/")


def set_new(client, path, password=NEW):
    client.get(path)
    return client.post(path, data={"new_password": password, "new_password_confirm": password})


def test_same_answer_for_known_and_unknown_addresses(idp_app, idp_client):
    make_account("ola@example.org")
    known = ask(idp_client, "ola@example.org")
    unknown = ask(idp_client, "nikt@example.org")
    assert known.status_code == unknown.status_code == 200
    assert _strip(known.get_data(as_text=True)).replace("ola@example.org", "X") == \
        _strip(unknown.get_data(as_text=True)).replace("nikt@example.org", "X")
    assert sorted(n for n, _ in known.headers.items()) == sorted(n for n, _ in unknown.headers.items())
    assert len(outbox(idp_app, "ola@example.org")) == 1
    assert outbox(idp_app, "nikt@example.org") == []


def test_reset_sets_password_ends_sessions_and_revokes_tokens(idp_app, idp_client):
    account = make_account("ola@example.org")
    # Another device is signed in and an app holds a refresh token.
    other = idp_app.test_client()
    assert sign_in(other, "ola@example.org").status_code == 302
    flow = Flow(other, *make_client())
    tokens = flow.tokens(scope="openid offline_access", prompt="consent")
    assert "refresh_token" in tokens
    ask(idp_client, "ola@example.org")
    path = reset_path(idp_app, "ola@example.org")
    page = idp_client.get(path).get_data(as_text=True)
    assert 'name="new_password"' in page and "password-rules" in page
    done = set_new(idp_client, path)
    assert done.status_code == 200
    # The other device is signed out; the old password fails, the new one works.
    assert other.get("/login").status_code == 200
    refreshed = flow.post_token({"grant_type": "refresh_token",
                                 "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 400
    assert sign_in(idp_app.test_client(), "ola@example.org").status_code == 200
    assert sign_in(idp_app.test_client(), "ola@example.org", NEW).status_code == 302
    db.session.expire_all()
    assert db.session.get(Account, account.id).session_version == 2
    assert "changed" in outbox(idp_app, "ola@example.org")[-1].body_text
    # The link worked once.
    assert idp_client.get(path).status_code == 404


def test_link_expires_after_an_hour(idp_app, idp_client):
    make_account("ola@example.org")
    ask(idp_client, "ola@example.org")
    path = reset_path(idp_app, "ola@example.org")
    with time_machine.travel(timedelta(minutes=61), tick=False):
        assert idp_client.get(path).status_code == 410
    assert idp_client.get(path).status_code == 200


def test_tampered_link_refused(idp_app, idp_client):
    make_account("ola@example.org")
    ask(idp_client, "ola@example.org")
    path = reset_path(idp_app, "ola@example.org")
    assert idp_client.get(path[:-4] + "abcd").status_code == 404


def test_link_dies_after_a_sign_in(idp_app, idp_client):
    make_account("ola@example.org")
    ask(idp_client, "ola@example.org")
    path = reset_path(idp_app, "ola@example.org")
    sign_in(idp_app.test_client(), "ola@example.org")
    assert idp_client.get(path).status_code == 404


def test_weak_new_password_explained(idp_app, idp_client):
    make_account("ola@example.org")
    ask(idp_client, "ola@example.org")
    path = reset_path(idp_app, "ola@example.org")
    response = set_new(idp_client, path, "short")
    body = response.get_data(as_text=True)
    assert 'id="new_password-errors"' in body and "short" not in body.split("</header>")[1]
    assert idp_client.get(path).status_code == 200  # still usable


def test_not_yet_activated_account_gets_an_activation_link(idp_app, idp_client):
    make_account("nowy@example.org", status=PENDING_ACTIVATION)
    ask(idp_client, "nowy@example.org")
    mail = outbox(idp_app, "nowy@example.org")[-1]
    assert "/activate/" in mail.body_text


@pytest.mark.app_config({"RECOVERY_LIMIT_PER_ADDRESS": "2 per hour"})
def test_recovery_throttled_per_address(idp_app, idp_client):
    make_account("ola@example.org")
    codes = [ask(idp_client, "ola@example.org").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert len(outbox(idp_app, "ola@example.org")) == 2


@pytest.mark.app_config({"RECOVERY_LIMIT_PER_IP": "2 per hour"})
def test_recovery_throttled_per_client(idp_app, idp_client):
    codes = [ask(idp_client, f"x{n}@example.org").status_code for n in range(3)]
    assert codes == [200, 200, 429]
