"""The IdP's side of the API (docs/architecture.md 5.5): scopes in discovery and on the consent
page, access tokens for the gradebook's API, introspection by the gradebook."""

from __future__ import annotations

import base64
import html
import re

import pytest

from tests.idp.accounts_factories import make_account
from tests.idp.conftest import Flow, make_client, query_of, sign_in, verify_jwt

API_SCOPES = ("grades:read", "attendance:read", "attendance:excuse", "timetable:read",
              "homework:read", "calendar:read", "announcements:read", "messages:read",
              "messages:send")


@pytest.fixture
def account(idp_app):
    return make_account("rodzic-api@example.org", given_name="Anna", family_name="Nowak",
                        links=[("ref-1", "parent", "pupil-1"), ("ref-2", "parent", "pupil-2")])


@pytest.fixture
def lunch(idp_client):
    client_id, secret = make_client("lunch", first_party=False, name="Stołówka",
                                    scope="openid profile " + " ".join(API_SCOPES))
    return Flow(idp_client, client_id, secret)


def test_discovery_lists_the_api_scopes(idp_client):
    scopes = idp_client.get("/.well-known/openid-configuration").get_json()["scopes_supported"]
    assert set(API_SCOPES) <= set(scopes)
    assert "school_accounts.verify" not in scopes


def test_consent_page_names_the_api_scopes_in_polish(idp_client, account, lunch):
    sign_in(idp_client, account)
    page = lunch.authorize(scope="openid timetable:read attendance:excuse", ui_locales="pl")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-scope="timetable:read"' in text
    assert "Widzieć plan lekcji ucznia wraz z zastępstwami i zmianami" in text
    assert "Wysyłać wychowawcy usprawiedliwienia nieobecności ucznia" in text


@pytest.mark.parametrize(("locale", "read", "send"), [
    ("pl", "Czytać Twoje wiadomości w dzienniku (otwarcie wiadomości oznacza ją jako przeczytaną)",
     "Wysyłać w Twoim imieniu wiadomości i odpowiedzi do pracowników szkoły"),
    ("en", "Read your messages in the school register (opening one marks it read)",
     "Send messages and answers to school staff on your behalf"),
    ("uk", "Читати Ваші повідомлення в електронному журналі (відкрите повідомлення "
           "позначається як прочитане)",
     "Надсилати від Вашого імені повідомлення та відповіді працівникам школи"),
])
def test_consent_page_names_the_message_scopes(idp_client, account, lunch, locale, read, send):
    sign_in(idp_client, account)
    page = lunch.authorize(scope="openid messages:read messages:send", ui_locales=locale)
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and 'data-scope="messages:send"' in text
    assert read in text and send in text


def _tokens(idp_client, flow, scope):
    page = flow.authorize(scope=scope)
    if page.status_code == 200:  # the consent page: allow
        data = {n: html.unescape(v) for n, v in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.get_data(as_text=True))}
        data["consent_decision"] = "allow"
        page = idp_client.post("/oauth/authorize", data=data)
    response = flow.token(query_of(page.location)["code"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_an_api_scope_makes_the_gradebook_an_audience_with_the_school_accounts(
        idp_client, idp_app, account, lunch):
    sign_in(idp_client, account)
    tokens = _tokens(idp_client, lunch, "openid timetable:read")
    claims = verify_jwt(idp_client, tokens["access_token"]).claims
    assert idp_app.config["GRADEBOOK_URL"] in claims["aud"] and "lunch" in claims["aud"]
    assert claims["school_accounts"] == [{"ref": "ref-1"}, {"ref": "ref-2"}]
    assert claims["scope"] == "openid timetable:read" and claims["gid"]
    plain = verify_jwt(idp_client, _tokens(idp_client, lunch, "openid profile")["access_token"])
    assert idp_app.config["GRADEBOOK_URL"] not in plain.claims["aud"]
    assert "school_accounts" not in plain.claims


def test_message_scopes_make_the_gradebook_an_audience(idp_client, idp_app, account, lunch):
    sign_in(idp_client, account)
    for scope in ("openid messages:read", "openid messages:send"):
        claims = verify_jwt(idp_client, _tokens(idp_client, lunch, scope)["access_token"]).claims
        assert idp_app.config["GRADEBOOK_URL"] in claims["aud"] and claims["scope"] == scope
        assert claims["school_accounts"] == [{"ref": "ref-1"}, {"ref": "ref-2"}]


def _introspect(idp_client, client_id, secret, token):
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return idp_client.post("/oauth/introspect", data={"token": token},
                           headers={"Authorization": "Basic " + raw}).get_json()


def test_the_gradebook_may_introspect_api_tokens_of_other_apps(idp_client, account, lunch):
    gradebook_id, gradebook_secret = make_client("gradebook", first_party=True)
    other_id, other_secret = make_client("library", first_party=False)
    sign_in(idp_client, account)
    api_token = _tokens(idp_client, lunch, "openid grades:read")["access_token"]
    plain_token = _tokens(idp_client, lunch, "openid profile")["access_token"]
    answer = _introspect(idp_client, gradebook_id, gradebook_secret, api_token)
    assert answer["active"] is True and answer["client_id"] == "lunch"
    # Not a token for the API, or not a first-party client: nothing is revealed.
    assert _introspect(idp_client, gradebook_id, gradebook_secret, plain_token) == {
        "active": False}
    assert _introspect(idp_client, other_id, other_secret, api_token) == {"active": False}
    revoke = idp_client.post("/oauth/revoke", data={"token": api_token},
                             headers={"Authorization": "Basic " + base64.b64encode(
                                 f"lunch:{lunch.secret}".encode()).decode()})
    assert revoke.status_code == 200
    assert _introspect(idp_client, gradebook_id, gradebook_secret, api_token) == {
        "active": False}
