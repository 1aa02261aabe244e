"""RP-Initiated Logout 1.0: id_token_hint, post_logout_redirect_uri, state, CSRF-safe confirmation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.idp.conftest import POST_LOGOUT, make_client, query_of, sign_in


@pytest.fixture
def id_token(idp_client, account, flow):
    sign_in(idp_client, account)
    return flow.tokens()["id_token"]


def test_logout_with_hint_redirects_with_state(idp_client, flow, id_token):
    response = idp_client.get("/oauth/logout", query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": POST_LOGOUT, "state": "bye1"})
    assert response.status_code == 302
    assert response.location.startswith(POST_LOGOUT)
    assert parse_qs(urlsplit(response.location).query)["state"] == ["bye1"]
    # The session is gone: prompt=none now fails.
    assert query_of(flow.authorize(prompt="none").location)["error"] == "login_required"


def test_unregistered_post_logout_uri_is_not_followed(idp_client, flow, id_token):
    response = idp_client.get("/oauth/logout", query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": "https://evil.example.org/"})
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert query_of(flow.authorize(prompt="none").location)["error"] == "login_required"


def test_other_clients_post_logout_uri_is_not_followed(idp_client, id_token):
    make_client("other", post_logout=("https://other.example.org/bye",))
    response = idp_client.get("/oauth/logout", query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": "https://other.example.org/bye"})
    assert "Location" not in response.headers


def test_tampered_hint_asks_and_does_not_redirect(idp_client, flow, id_token):
    header, payload, signature = id_token.split(".")
    tampered = ".".join([header, payload, signature[::-1]])
    response = idp_client.get("/oauth/logout", query_string={
        "id_token_hint": tampered, "post_logout_redirect_uri": POST_LOGOUT, "state": "s"})
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert 'name="confirm"' in response.get_data(as_text=True)
    # Still signed in: nothing happened without confirmation.
    assert "code" in query_of(flow.authorize(prompt="none").location)
    confirmed = idp_client.post("/oauth/logout", data={"confirm": "1"})
    assert confirmed.status_code == 200 and "Location" not in confirmed.headers
    assert query_of(flow.authorize(prompt="none").location)["error"] == "login_required"


def test_missing_hint_needs_confirmation_with_csrf(idp_client, flow, id_token):
    response = idp_client.get("/oauth/logout",
                              query_string={"post_logout_redirect_uri": POST_LOGOUT})
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    # A forged POST (no CSRF token) does not log out.
    forged = idp_client.post("/oauth/logout", data={"confirm": "1", "csrf_token": ""})
    assert forged.status_code == 200
    assert "code" in query_of(flow.authorize(prompt="none").location)
    # Confirming on our page does, without redirecting to an unproven URI.
    idp_client.get("/oauth/logout")
    confirmed = idp_client.post("/oauth/logout", data={
        "confirm": "1", "post_logout_redirect_uri": POST_LOGOUT})
    assert "Location" not in confirmed.headers
    assert query_of(flow.authorize(prompt="none").location)["error"] == "login_required"


def test_confirmation_with_valid_hint_redirects(idp_client, flow, id_token, account):
    from tests.idp.accounts_factories import make_account

    # Signed in as someone else than the hint: ask first, then follow the registered URI.
    sign_in(idp_client, make_account("inny@example.org"))
    page = idp_client.get("/oauth/logout", query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": POST_LOGOUT, "state": "z"})
    assert page.status_code == 200
    response = idp_client.post("/oauth/logout", data={
        "confirm": "1", "id_token_hint": id_token, "post_logout_redirect_uri": POST_LOGOUT,
        "state": "z"})
    assert response.status_code == 302 and response.location.startswith(POST_LOGOUT)


def test_logout_without_session_with_valid_hint_redirects(idp_client, id_token):
    with idp_client.session_transaction() as sess:
        sess.clear()
    response = idp_client.get("/oauth/logout", query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": POST_LOGOUT, "state": "q"})
    assert response.status_code == 302
    assert "state=q" in response.location


def test_client_id_must_match_hint(idp_client, flow, id_token):
    make_client("other", post_logout=("https://other.example.org/bye",))
    response = idp_client.get("/oauth/logout", query_string={
        "id_token_hint": id_token, "client_id": "other",
        "post_logout_redirect_uri": "https://other.example.org/bye"})
    assert "Location" not in response.headers
    assert "code" in query_of(flow.authorize(prompt="none").location)
