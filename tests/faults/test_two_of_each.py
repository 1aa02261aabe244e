"""Two IdP and two gradebook processes on different ports, sharing their databases.

What one process did is honoured by the other: a session, a token, a sign-out
and a throttle. Nothing lives in a process's memory (sessions have server-side
records, tokens and throttle counters are in the database).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
import requests

from gradebook_service.extensions import db
from tests.gradebook.accounts_factories import (
    make_class,
    make_family,
    make_ready,
    make_school,
    parent_accounts,
)
from tests.support.live import ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PASSWORD = "Spokojny7Las"


def form_post(http: requests.Session, url: str, data: dict) -> requests.Response:
    """Post a form as a browser does: with the CSRF token of the page it came from."""
    page = http.get(url, timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    return http.post(url, data={**data, "csrf_token": token.group(1) if token else ""},
                     timeout=30, allow_redirects=False)


@pytest.fixture
def start_two(idp_app, gradebook_app, database_urls, tmp_path):
    """Start two processes of a service on the test databases; stopped after the test."""
    env = {"SECRET_KEY": "two-of-each-secret", "EDZ_INSTANCE_DIR": str(tmp_path),
           "IDP_DATABASE_URL": database_urls["idp"],
           "GRADEBOOK_DATABASE_URL": database_urls["gradebook"], "MAIL_BACKGROUND_SENDER": "0",
           "THROTTLE_PER_ACCOUNT": "3 per 15 minutes"}
    started: list[ServiceProcess] = []

    def start(service: str) -> list[ServiceProcess]:
        pair = [ServiceProcess(service, env) for _ in range(2)]
        for process in pair:
            started.append(process)
            process.start(timeout=120)
        return pair

    yield start
    for process in started:
        process.stop()


def at(process: ServiceProcess, endpoint: str) -> str:
    """An endpoint from discovery, on this process (discovery names the public issuer)."""
    return process.url + urlsplit(endpoint).path


def test_gradebook_session_signout_and_throttle_cross_processes(start_two):
    first, second = start_two("gradebook")
    account = parent_accounts(make_family(make_class(make_school())))[0]
    make_ready(account)
    db.session.commit()

    with requests.Session() as browser:  # cookies for 127.0.0.1 go to both ports
        response = form_post(browser, first.url + "/login",
                             {"login": account.login, "password": PASSWORD})
        assert response.status_code == 302 and "/login" not in response.headers["Location"]
        assert browser.get(second.url + "/family/grades", timeout=30,
                           allow_redirects=False).status_code == 200  # the session
        cookies = browser.cookies.copy()
        page = browser.get(second.url + "/family/grades", timeout=30)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        response = browser.post(second.url + "/logout", data={"csrf_token": token}, timeout=30,
                                allow_redirects=False)
        assert response.status_code in (302, 303)
    with requests.Session() as replay:  # the old cookie, replayed on the other process
        replay.cookies.update(cookies)
        response = replay.get(first.url + "/family/grades", timeout=30, allow_redirects=False)
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    with requests.Session() as attacker:
        for _ in range(3):
            form_post(attacker, first.url + "/login", {"login": account.login, "password": "złe"})
        response = form_post(attacker, second.url + "/login",
                             {"login": account.login, "password": PASSWORD})
        assert response.status_code == 401  # throttled there too, even with the right password
        assert "Zbyt wiele nieudanych prób" in response.text


def test_idp_session_token_signout_and_throttle_cross_processes(start_two):
    first, second = start_two("idp")
    email = "rodzic.dwa@example.pl"
    first.flask("accounts", "create", "--email", email, "--password", PASSWORD)
    client = json.loads(first.flask(
        "clients", "create", "--name", "Stołówka", "--grant-type", "client_credentials",
        "--scope", "openid").stdout)
    endpoints = requests.get(second.url + "/.well-known/openid-configuration", timeout=30).json()

    # A token issued by one process is honoured (and revoked) through the other.
    auth = (client["client_id"], client["client_secret"])
    token_url = at(first, endpoints["token_endpoint"])
    issued = requests.post(token_url, data={"grant_type": "client_credentials"}, auth=auth,
                           timeout=30)
    assert issued.status_code == 200, issued.text
    access = issued.json()["access_token"]
    introspect = at(second, endpoints["introspection_endpoint"])
    assert requests.post(introspect, data={"token": access}, auth=auth,
                         timeout=30).json()["active"] is True
    revoke_url = at(first, endpoints["revocation_endpoint"])
    assert requests.post(revoke_url, data={"token": access}, auth=auth, timeout=30).ok
    assert requests.post(introspect, data={"token": access}, auth=auth,
                         timeout=30).json()["active"] is False

    with requests.Session() as browser:
        response = form_post(browser, first.url + "/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 302
        assert browser.get(second.url + "/account", timeout=30,
                           allow_redirects=False).status_code == 200  # the session
        cookies = browser.cookies.copy()
        response = form_post(browser, second.url + "/logout", {})
        assert response.status_code == 302
    with requests.Session() as replay:
        replay.cookies.update(cookies)
        response = replay.get(first.url + "/account", timeout=30, allow_redirects=False)
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    with requests.Session() as attacker:
        for _ in range(3):
            form_post(attacker, first.url + "/login", {"email": email, "password": "złe-hasło"})
        response = form_post(attacker, second.url + "/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 429
