"""OIDC fixtures for the IdP tests: clients, signed-in sessions, PKCE and flow helpers."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from idp.extensions import db

REDIRECT = "https://rp.example.org/cb"
POST_LOGOUT = "https://rp.example.org/bye"


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636 §4.1–4.2)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    """The single-valued query parameters of a redirect."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def make_client(client_id="rp", *, public=False, first_party=True, scope=None,
                grant_types=None, redirect_uris=(REDIRECT,), post_logout=(POST_LOGOUT,),
                name="Test RP", id_token_alg="RS256"):  # noqa: S107 - an algorithm
    """Register a client (committed); return (client_id, secret)."""
    from idp.oidc.clients import save_client

    client, secret = save_client(client_id=client_id, name=name, redirect_uris=list(redirect_uris),
                                 post_logout_redirect_uris=list(post_logout), public=public,
                                 first_party=first_party, scope=scope, grant_types=grant_types,
                                 id_token_alg=id_token_alg)
    db.session.commit()
    return client.client_id, secret


def sign_in(client, account, *, amr=("pwd",), auth_time: int | None = None) -> None:
    """Give the test client a session for ``account`` (as the sign-in page would)."""
    from idp.accounts.session import open_session

    sid = open_session(account)
    db.session.commit()
    with client.session_transaction() as sess:
        sess.clear()
        sess["uid"] = account.id
        sess["uid_version"] = account.session_version
        sess["sid"] = sid
        sess["auth_time"] = int(time.time()) if auth_time is None else auth_time
        sess["amr"] = list(amr)


@pytest.fixture
def account(idp_app):
    from tests.idp.accounts_factories import make_account

    return make_account("rodzic@example.org", given_name="Anna", family_name="Nowak",
                        links=[("ref-1", "parent", "pupil-1")])


@pytest.fixture
def rp(idp_app):
    """A confidential first-party client: (client_id, secret)."""
    return make_client()


class Flow:
    """Drive the authorization code flow against the in-process IdP."""

    def __init__(self, client, client_id, secret=None, redirect_uri=REDIRECT):
        self.client = client
        self.client_id = client_id
        self.secret = secret
        self.redirect_uri = redirect_uri
        self.verifier, self.challenge = pkce_pair()

    def authorize_params(self, **extra):
        params = {"response_type": "code", "client_id": self.client_id,
                  "redirect_uri": self.redirect_uri, "scope": "openid profile email",
                  "state": "st-" + secrets.token_hex(4), "nonce": "n-" + secrets.token_hex(4),
                  "code_challenge": self.challenge, "code_challenge_method": "S256"}
        params.update(extra)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, method="GET", **extra):
        params = self.authorize_params(**extra)
        if method == "GET":
            return self.client.get("/oauth/authorize", query_string=params)
        return self.client.post("/oauth/authorize", data=params)

    def code(self, **extra) -> str:
        response = self.authorize(**extra)
        assert response.status_code == 302, response.get_data(as_text=True)
        q = query_of(response.location)
        assert "code" in q, response.location
        return q["code"]

    def token(self, code, *, verifier=None, auth="basic", **extra):
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": self.verifier if verifier is None else verifier}
        data = {k: v for k, v in data.items() if v}
        data.update(extra)
        return self.post_token(data, auth=auth)

    def post_token(self, data, *, auth="basic"):
        headers = {}
        if auth == "basic" and self.secret:
            raw = f"{self.client_id}:{self.secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        elif auth == "post":
            data = {**data, "client_id": self.client_id, "client_secret": self.secret}
        elif auth == "none":
            data = {**data, "client_id": self.client_id}
        return self.client.post("/oauth/token", data=data, headers=headers)

    def tokens(self, **extra) -> dict:
        response = self.token(self.code(**extra))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()


@pytest.fixture
def flow(idp_client, rp):
    return Flow(idp_client, *rp)


def verify_jwt(client, token: str):
    """Verify ``token`` with the published JWKS; return the joserfc token (header, claims)."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    jwks = KeySet.import_key_set(client.get("/oauth/jwks").get_json())
    return jwt.decode(token, jwks, algorithms=["RS256", "ES256"])


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


@pytest.fixture
def live_idp(idp_app, database_urls):
    """The IdP as a real gunicorn process on the test database (production argon2id)."""
    from shared.mailcatcher import free_port
    from tests.support.live import ServiceProcess

    port = free_port()
    proc = ServiceProcess("idp", {
        "IDP_DATABASE_URL": database_urls["idp"], "SECRET_KEY": idp_app.config["SECRET_KEY"],
        "IDP_ISSUER": f"http://127.0.0.1:{port}", "ARGON2_TIME_COST": "2",
        "ARGON2_MEMORY_COST": "19456", "ARGON2_PARALLELISM": "1"}, port=port)
    try:
        yield proc.start()
    finally:
        proc.stop()
