"""Messages through the API end to end: the IdP and the gradebook as real processes, a parent
signs in, allows messages:read and messages:send on the Polish consent page, and the app
sends a question to the homeroom teacher and reads the thread with the access token."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from shared.mailcatcher import free_port
from tests.gradebook.register_factories import build_school
from tests.gradebook.test_api_lunch_app import _hidden
from tests.idp.accounts_factories import make_account
from tests.support.live import ServiceProcess

pytestmark = pytest.mark.slow

EMAIL = "api.messages@example.org"
PASSWORD = "Wiadomosci7Dom"
SCOPE = "openid messages:read messages:send"


@pytest.fixture
def services(database_urls, gradebook_app, idp_app):
    """The IdP and the gradebook as processes, a public third-party client for the messages."""
    idp_port, gb_port, app_port = free_port(), free_port(), free_port()
    issuer, gb_url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{gb_port}"
    common = {"IDP_ISSUER": issuer, "GRADEBOOK_URL": gb_url, "FLASK_DEBUG": "0",
              "EDZ_INSTANCE_DIR": "/tmp/edz-test-instance",
              "ARGON2_TIME_COST": "2", "ARGON2_MEMORY_COST": "19456", "ARGON2_PARALLELISM": "1"}
    idp = ServiceProcess("idp", {**common, "SECRET_KEY": "messages-test-idp-secret",
                                 "IDP_DATABASE_URL": database_urls["idp"]}, port=idp_port)
    redirect_uri = f"http://127.0.0.1:{app_port}/callback"
    client = json.loads(idp.flask(
        "clients", "create", "--name", "Aplikacja szkolna", "--client-id", "szkolna",
        "--public", "--redirect-uri", redirect_uri, "--scope", SCOPE).stdout)
    idp.start()
    gradebook = ServiceProcess("gradebook", {
        **common, "SECRET_KEY": "messages-test-gradebook-secret",
        "GRADEBOOK_DATABASE_URL": database_urls["gradebook"]}, port=gb_port).start()
    yield idp, gradebook, client["client_id"], redirect_uri
    gradebook.stop()
    idp.stop()


def _access_token(idp, client_id, redirect_uri) -> str:
    """Authorization code with PKCE, as any outside app does it, with the consent page."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
    browser = requests.Session()
    login = browser.get(idp.url + "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
        "scope": SCOPE, "state": "s1", "nonce": "n1", "ui_locales": "pl",
        "code_challenge": challenge.rstrip("="), "code_challenge_method": "S256"}))
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.text).group(1)
    consent = browser.post(login.url, data={"csrf_token": csrf, "email": EMAIL,
                                            "password": PASSWORD})
    assert 'data-scope="messages:send"' in consent.text, consent.text[-2000:]
    assert "Wysyłać w Twoim imieniu wiadomości" in consent.text
    fields = _hidden(consent.text)
    fields["consent_decision"] = "allow"
    back = browser.post(idp.url + "/oauth/authorize", data=fields, allow_redirects=False)
    location = back.headers["Location"]
    assert location.startswith(redirect_uri), location
    code = parse_qs(urlsplit(location).query)["code"][0]
    tokens = requests.post(idp.url + "/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": client_id, "code_verifier": verifier}, timeout=10)
    assert tokens.status_code == 200, tokens.text
    return tokens.json()["access_token"]


def test_an_app_sends_and_reads_messages_with_the_idps_token(services, gradebook_app, idp_app):
    idp, gradebook, client_id, redirect_uri = services
    with gradebook_app.app_context():
        world = build_school("SP Wiadomości")
        pupil = world.pupils["1a"][0]
        parent_ref = world.parent_accounts[pupil.id].ref
        teacher = world.staff_accounts["math"]
        teacher_value = f"account:{teacher.id}"
        pupil_ref = pupil.ref
    with idp_app.app_context():
        make_account(EMAIL, PASSWORD, links=[(parent_ref, "parent", pupil_ref)])
    headers = {"Authorization": "Bearer " + _access_token(idp, client_id, redirect_uri)}
    api = gradebook.url + "/api/v1"

    options = requests.get(api + "/messages/recipients", headers=headers, timeout=10)
    assert options.status_code == 200, options.text
    assert teacher_value in {o["id"] for o in options.json()["items"]}
    sent = requests.post(api + "/messages", headers=headers, timeout=10, json={
        "recipients": [teacher_value], "subject": "Wycieczka", "body": "Czy Ola może jechać?"})
    assert sent.status_code == 201, sent.text
    thread_id = sent.json()["thread_id"]
    listed = requests.get(api + "/messages?folder=sent", headers=headers, timeout=10).json()
    assert [t["id"] for t in listed["items"]] == [thread_id]
    read = requests.get(api + f"/messages/{thread_id}", headers=headers, timeout=10)
    assert read.status_code == 200 and read.json()["messages"][0]["mine"] is True
    assert read.json()["messages"][0]["receipts"][0]["read_at"] is None
    # Grades were not granted: the token does not reach them.
    grades = requests.get(api + f"/pupils/{pupil_ref}/grades", headers=headers, timeout=10)
    assert grades.status_code == 403 and "insufficient_scope" in grades.headers[
        "WWW-Authenticate"]
