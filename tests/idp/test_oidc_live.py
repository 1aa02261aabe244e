"""End to end with independent OIDC client libraries against the IdP as a real gunicorn process.

Two relying-party implementations drive the whole flow: Authlib's requests client
(``OAuth2Session``) and pyoidc (``oic``). A ``requests`` session plays the browser
and signs in on the real /login page.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.idp.accounts_factories import PASSWORD, make_account
from tests.idp.conftest import POST_LOGOUT, REDIRECT, make_client

pytestmark = pytest.mark.slow


@pytest.fixture
def parent(idp_app):
    return make_account("live@example.org", links=[("ref-9", "parent", "pupil-9")])


def browser_to_redirect(browser: requests.Session, url: str, email: str) -> str:
    """Follow the IdP's redirects, signing in when asked, until it redirects to the client."""
    for _ in range(10):
        response = browser.get(url, allow_redirects=False)
        if response.status_code != 302:
            raise AssertionError(f"{url}: {response.status_code} {response.text[:500]}")
        location = response.headers["Location"]
        if location.startswith(REDIRECT) or location.startswith(POST_LOGOUT):
            return location
        url = location if location.startswith("http") else urlsplit(url)._replace(
            path=urlsplit(location).path, query=urlsplit(location).query).geturl()
        if urlsplit(url).path == "/login":
            page = browser.get(url)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
            response = browser.post(url, data={"email": email, "password": PASSWORD,
                                               "csrf_token": token}, allow_redirects=False)
            assert response.status_code == 302, response.text[:500]
            location = response.headers["Location"]
            url = location if location.startswith("http") else urlsplit(url)._replace(
                path=urlsplit(location).path, query=urlsplit(location).query).geturl()
    raise AssertionError("too many redirects")


def test_authlib_client_full_flow(live_idp, idp_app, parent):
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    client_id, secret = make_client("authlib-rp")
    meta = requests.get(live_idp.url + "/.well-known/openid-configuration", timeout=5).json()
    assert meta["issuer"] == live_idp.url
    rp = OAuth2Session(client_id, secret, scope="openid profile email school offline_access",
                       redirect_uri=REDIRECT, code_challenge_method="S256")
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(12)
    url, state = rp.create_authorization_url(meta["authorization_endpoint"], nonce=nonce,
                                             code_verifier=verifier)
    assert "code_challenge=" + create_s256_code_challenge(verifier) in url
    browser = requests.Session()
    location = browser_to_redirect(browser, url, "live@example.org")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state] and query["iss"] == [live_idp.url]
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=location,
                           code_verifier=verifier)

    # ID token: signature through the JWKS, then the claims.
    jwks = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=5).json())
    id_token = jwt.decode(token["id_token"], jwks, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": live_idp.url},
                          aud={"essential": True, "value": client_id},
                          nonce={"essential": True, "value": nonce},
                          sub={"essential": True, "value": parent.sub}).validate(id_token.claims)
    assert id_token.header["kid"] in {k.kid for k in jwks.keys}

    info = rp.get(meta["userinfo_endpoint"]).json()
    assert info["sub"] == parent.sub and info["email"] == "live@example.org"
    assert info["school_accounts"][0]["ref"] == "ref-9"

    # Refresh rotation; the old refresh token is then useless.
    old_refresh = token["refresh_token"]
    new = rp.refresh_token(meta["token_endpoint"], refresh_token=old_refresh)
    assert new["refresh_token"] != old_refresh
    with pytest.raises(Exception, match="invalid_grant"):
        OAuth2Session(client_id, secret).refresh_token(meta["token_endpoint"],
                                                       refresh_token=old_refresh)
    # The replay revoked the grant, including the newest tokens.
    assert requests.get(meta["userinfo_endpoint"], timeout=5, headers={
        "Authorization": "Bearer " + new["access_token"]}).status_code == 401

    # A second flow (SSO, no password), then revocation and logout.
    url, state = rp.create_authorization_url(meta["authorization_endpoint"], nonce="n2",
                                             code_verifier=verifier)
    token = rp.fetch_token(meta["token_endpoint"],
                           authorization_response=browser_to_redirect(browser, url, "-"),
                           code_verifier=verifier)
    revoked = rp.revoke_token(meta["revocation_endpoint"], token["access_token"],
                              token_type_hint="access_token")
    assert revoked.status_code == 200
    assert requests.get(meta["userinfo_endpoint"], timeout=5, headers={
        "Authorization": "Bearer " + token["access_token"]}).status_code == 401
    response = browser.get(meta["end_session_endpoint"], allow_redirects=False, params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": POST_LOGOUT,
        "state": "bye"})
    assert response.status_code == 302
    assert response.headers["Location"] == POST_LOGOUT + "?state=bye"
    url, _ = rp.create_authorization_url(meta["authorization_endpoint"], prompt="none",
                                         code_verifier=verifier)
    location = browser_to_redirect(browser, url, "-")
    assert parse_qs(urlsplit(location).query)["error"] == ["login_required"]


def test_oic_client_full_flow(live_idp, idp_app, parent):
    from oic import rndstr
    from oic.oic import Client
    from oic.oic.message import AuthorizationResponse, RegistrationResponse
    from oic.utils.authn.client import CLIENT_AUTHN_METHOD

    client_id, secret = make_client("oic-rp")
    rp = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    rp.provider_config(live_idp.url)
    rp.store_registration_info(RegistrationResponse(
        client_id=client_id, client_secret=secret, redirect_uris=[REDIRECT],
        post_logout_redirect_uris=[POST_LOGOUT]))
    rp.redirect_uris = [REDIRECT]
    state, nonce = rndstr(), rndstr()
    pkce_args, verifier = rp.add_code_challenge()
    request = rp.construct_AuthorizationRequest(request_args={
        "client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT,
        "scope": ["openid", "profile", "email", "offline_access"], "state": state,
        "nonce": nonce, **pkce_args})
    browser = requests.Session()
    location = browser_to_redirect(browser, request.request(rp.authorization_endpoint),
                                   "live@example.org")
    response = rp.parse_response(AuthorizationResponse, info=urlsplit(location).query,
                                 sformat="urlencoded")
    assert response["state"] == state
    tokens = rp.do_access_token_request(
        state=state, request_args={"code": response["code"], "code_verifier": verifier,
                                   "redirect_uri": REDIRECT},
        authn_method="client_secret_basic")
    id_token = tokens["id_token"]  # oic verified the signature with the provider's JWKS
    assert id_token["sub"] == parent.sub and id_token["nonce"] == nonce
    assert id_token["iss"] == live_idp.url
    info = rp.do_user_info_request(state=state, method="GET")  # bearer in the header
    assert info["sub"] == parent.sub and info["name"] == "Anna Nowak"

    refreshed = rp.do_access_token_refresh(state=state, authn_method="client_secret_post")
    assert refreshed["refresh_token"] != tokens["refresh_token"]

    # A tampered ID token is rejected by the client library (signature check through JWKS).
    from oic.oic.message import IdToken

    raw = tokens["id_token"].jwt
    assert raw and IdToken().from_jwt(raw, keyjar=rp.keyjar)["sub"] == parent.sub
    head, body, sig = raw.split(".")
    with pytest.raises(Exception):  # noqa: B017 - any verification error will do
        IdToken().from_jwt(".".join([head, body, sig[::-1]]), keyjar=rp.keyjar)

    # RP-initiated logout with the hint, then prompt=none fails.
    end = browser.get(rp.provider_info["end_session_endpoint"], allow_redirects=False, params={
        "id_token_hint": raw, "post_logout_redirect_uri": POST_LOGOUT, "state": "s"})
    assert end.status_code == 302 and end.headers["Location"].startswith(POST_LOGOUT)
    request = rp.construct_AuthorizationRequest(request_args={
        "client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT,
        "scope": ["openid"], "state": rndstr(), "prompt": "none", **rp.add_code_challenge()[0]})
    location = browser_to_redirect(browser, request.request(rp.authorization_endpoint), "-")
    assert parse_qs(urlsplit(location).query)["error"] == ["login_required"]
