"""Basic OP: the authorization endpoint (OIDC Core §3.1.2, RFC 6749 §4.1.1, RFC 9207)."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.idp.conftest import REDIRECT, Flow, make_client, query_of, sign_in, verify_jwt


def test_code_flow_echoes_state_and_iss(idp_client, idp_app, account, flow):
    sign_in(idp_client, account)
    response = flow.authorize(state="xyz")
    q = query_of(response.location)
    assert response.location.startswith(REDIRECT + "?")
    assert q["state"] == "xyz"
    assert q["iss"] == idp_app.config["IDP_ISSUER"]  # RFC 9207
    assert len(q["code"]) >= 43  # 256 bits, base64url


def test_request_without_nonce_succeeds(idp_client, account, flow):
    sign_in(idp_client, account)
    tokens = flow.tokens(nonce=None)
    assert "nonce" not in verify_jwt(idp_client, tokens["id_token"]).claims


def test_post_works_like_get(idp_client, account, flow):
    sign_in(idp_client, account)
    response = flow.authorize(method="POST", state="posted")
    assert response.status_code == 302
    assert query_of(response.location)["state"] == "posted"
    assert "code" in query_of(response.location)


def test_missing_response_type_is_an_error_to_the_client(idp_client, account, flow):
    sign_in(idp_client, account)
    response = flow.authorize(response_type=None, state="s1")
    q = query_of(response.location)
    assert q["error"] in ("unsupported_response_type", "invalid_request")
    assert q["state"] == "s1"
    assert "iss" in q


@pytest.mark.parametrize("response_type", ["token", "id_token", "code id_token", "code token"])
def test_only_code_flow(idp_client, account, flow, response_type):
    sign_in(idp_client, account)
    response = flow.authorize(response_type=response_type)
    assert query_of(response.location)["error"] in ("unsupported_response_type",
                                                    "unauthorized_client")


@pytest.mark.parametrize("redirect_uri", [
    "https://evil.example.org/cb", REDIRECT + "/", REDIRECT + "?x=1", REDIRECT.upper(),
    "https://rp.example.org/CB", None])
def test_unregistered_redirect_uri_shows_page_never_redirects(idp_client, account, flow,
                                                              redirect_uri):
    sign_in(idp_client, account)
    response = flow.authorize(redirect_uri=redirect_uri)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert 'href="https://evil' not in response.get_data(as_text=True)


@pytest.mark.parametrize("client_id", ["nope", None, "x" * 300])
def test_unknown_client_shows_page(idp_client, account, flow, client_id):
    sign_in(idp_client, account)
    response = flow.authorize(client_id=client_id)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_unknown_parameters_and_hints_are_accepted(idp_client, account, flow):
    sign_in(idp_client, account)
    response = flow.authorize(foo="bar", claims_locales="pl", acr_values="urn:x", display="popup",
                              login_hint="rodzic@example.org", ui_locales="en pl")
    assert "code" in query_of(response.location)
    response = flow.authorize(display="page")
    assert "code" in query_of(response.location)


@pytest.mark.parametrize(("param", "error"), [("request", "request_not_supported"),
                                              ("request_uri", "request_uri_not_supported")])
def test_request_objects_are_refused(idp_client, account, flow, param, error):
    sign_in(idp_client, account)
    response = flow.authorize(**{param: "eyJhbGciOiJub25lIn0.e30."}, state="r")
    q = query_of(response.location)
    assert q["error"] == error
    assert q["state"] == "r"


def test_claims_parameter_with_essential_name(idp_client, account, flow):
    sign_in(idp_client, account)
    claims = json.dumps({"id_token": {"name": {"essential": True}},
                         "userinfo": {"name": {"essential": True}}})
    tokens = flow.tokens(scope="openid", claims=claims)
    assert verify_jwt(idp_client, tokens["id_token"]).claims["name"] == "Anna Nowak"


def test_without_session_redirects_to_login_with_hints(idp_client, account, flow):
    response = flow.authorize(login_hint="rodzic@example.org", ui_locales="en-GB")
    assert response.status_code == 302
    parts = urlsplit(response.location)
    assert parts.path == "/login"
    q = parse_qs(parts.query)
    assert q["login_hint"] == ["rodzic@example.org"]
    assert q["lang"] == ["en"]
    assert q["next"][0].startswith("/oauth/authorize?")
    assert "force" not in q


def test_prompt_none_without_session_is_login_required(idp_client, flow):
    response = flow.authorize(prompt="none", state="pn")
    q = query_of(response.location)
    assert response.location.startswith(REDIRECT)
    assert q["error"] == "login_required"
    assert q["state"] == "pn"
    assert "iss" in q


def test_prompt_none_with_session_is_silent_and_same_sub(idp_client, account, flow):
    sign_in(idp_client, account)
    first = verify_jwt(idp_client, flow.tokens()["id_token"]).claims
    second = verify_jwt(idp_client, flow.tokens(prompt="none")["id_token"]).claims
    assert first["sub"] == second["sub"] == account.sub


def login_via_page(client, location):
    """Follow a redirect to /login and sign in there; return the response of the return trip."""
    from tests.idp.accounts_factories import PASSWORD

    client.get(location)
    response = client.post(location, data={"email": "rodzic@example.org", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.location)


def test_prompt_login_forces_a_new_login(idp_client, account, flow):
    sign_in(idp_client, account, auth_time=int(time.time()) - 100)
    response = flow.authorize(prompt="login")
    assert urlsplit(response.location).path == "/login"
    assert parse_qs(urlsplit(response.location).query)["force"] == ["1"]
    back = login_via_page(idp_client, response.location)
    q = query_of(back.location)
    assert "code" in q, back.location
    claims = verify_jwt(idp_client, flow.token(q["code"]).get_json()["id_token"]).claims
    assert claims["auth_time"] >= int(time.time()) - 5


def test_max_age_forces_login_and_returns_auth_time(idp_client, account, flow):
    sign_in(idp_client, account, auth_time=int(time.time()) - 30)
    response = flow.authorize(max_age="1")
    assert urlsplit(response.location).path == "/login"
    back = login_via_page(idp_client, response.location)
    claims = verify_jwt(idp_client, flow.token(query_of(back.location)["code"])
                        .get_json()["id_token"]).claims
    assert claims["auth_time"] >= int(time.time()) - 5


def test_large_max_age_does_not_force_login(idp_client, account, flow):
    then = int(time.time()) - 30
    sign_in(idp_client, account, auth_time=then)
    claims = verify_jwt(idp_client, flow.tokens(max_age="10000")["id_token"]).claims
    assert claims["auth_time"] == then


def test_prompt_none_with_expired_max_age_is_login_required(idp_client, account, flow):
    sign_in(idp_client, account, auth_time=int(time.time()) - 30)
    assert query_of(flow.authorize(prompt="none", max_age="1").location)["error"] == \
        "login_required"


def test_id_token_hint_of_the_signed_in_user_is_accepted(idp_client, account, flow):
    sign_in(idp_client, account)
    id_token = flow.tokens()["id_token"]
    response = flow.authorize(prompt="none", id_token_hint=id_token)
    assert "code" in query_of(response.location)


def test_id_token_hint_of_someone_else_needs_login(idp_client, account, flow):
    from tests.idp.accounts_factories import make_account

    other = make_account("inny@example.org")
    sign_in(idp_client, other)
    hint = flow.tokens()["id_token"]
    sign_in(idp_client, account)
    assert query_of(flow.authorize(prompt="none", id_token_hint=hint).location)["error"] == \
        "login_required"


def test_public_client_must_use_pkce(idp_client, idp_app, account):
    client_id, _ = make_client("spa", public=True)
    flow = Flow(idp_client, client_id)
    sign_in(idp_client, account)
    q = query_of(flow.authorize(code_challenge=None, code_challenge_method=None).location)
    assert q["error"] == "invalid_request"


def test_plain_pkce_is_refused(idp_client, account, flow):
    sign_in(idp_client, account)
    q = query_of(flow.authorize(code_challenge_method="plain").location)
    assert q["error"] == "invalid_request"


def test_disallowed_scope_is_refused(idp_client, account):
    client_id, secret = make_client("narrow", scope="openid email")
    flow = Flow(idp_client, client_id, secret)
    sign_in(idp_client, account)
    q = query_of(flow.authorize(scope="openid school").location)
    assert q["error"] == "invalid_scope"
    q = query_of(flow.authorize(scope="openid admin").location)
    assert q["error"] == "invalid_scope"


def test_unsupported_response_mode_is_refused(idp_client, account, flow):
    sign_in(idp_client, account)
    assert query_of(flow.authorize(response_mode="fragment").location)["error"] == \
        "invalid_request"


def test_disabled_account_session_is_not_used(idp_client, account, flow):
    from idp.extensions import db

    sign_in(idp_client, account)
    account.status = "disabled"
    db.session.commit()
    assert query_of(flow.authorize(prompt="none").location)["error"] == "login_required"
