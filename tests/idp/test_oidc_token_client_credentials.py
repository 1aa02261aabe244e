"""The token endpoint's client-credentials path (RFC 6749 §4.4): answers, errors, registration changes.

A valid request is answered by ``idp/oidc/client_credentials.py``; every error goes
through Authlib's pipeline. These tests hold both halves: the pipeline is switched
off where the fast answer must suffice, and each RFC 6749 §5.2 error is checked.
"""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa

from idp.extensions import db
from idp.oidc.models import OAuthClient
from idp.oidc.server import authorization_server
from tests.idp.conftest import Flow, make_client, verify_jwt

SCOPE = "school_accounts.verify"


@pytest.fixture
def svc(idp_client):
    client_id, secret = make_client("svc", grant_types=["client_credentials"], redirect_uris=(),
                                    scope=SCOPE)
    return Flow(idp_client, client_id, secret)


@pytest.fixture
def no_pipeline(idp_app, monkeypatch):
    """Make Authlib's token pipeline fail, so only the client-credentials path can answer."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("the token request reached Authlib's pipeline")

    with idp_app.app_context():
        monkeypatch.setattr(authorization_server(), "create_token_response", refuse)


def basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_valid_request_is_answered_without_the_pipeline(idp_client, idp_app, svc, no_pipeline):
    response = svc.post_token({"grant_type": "client_credentials", "scope": SCOPE})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"token_type", "access_token", "expires_in", "scope"}
    assert (body["token_type"], body["scope"]) == ("Bearer", SCOPE)
    assert body["expires_in"] == idp_app.config["OIDC_ACCESS_TOKEN_LIFETIME"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    assert response.mimetype == "application/json"
    token = verify_jwt(idp_client, body["access_token"])
    assert token.header["typ"] == "at+jwt"
    assert token.header["alg"] == idp_app.config["OIDC_OWN_ACCESS_TOKEN_ALG"]
    claims = token.claims
    assert claims["sub"] == claims["client_id"] == "svc"
    assert claims["aud"] == idp_app.config["GRADEBOOK_URL"]
    assert claims["scope"] == SCOPE and claims["iss"] == idp_app.config["IDP_ISSUER"]


def test_without_scope_the_token_has_none(idp_client, svc, no_pipeline):
    body = svc.post_token({"grant_type": "client_credentials"}).get_json()
    assert "scope" not in body
    assert verify_jwt(idp_client, body["access_token"]).claims["aud"] == "svc"


def test_fast_answer_matches_the_pipeline(idp_client, svc, monkeypatch):
    """The same request with the fast path declining gets a token of the same shape."""
    from idp.oidc import client_credentials

    fast = svc.post_token({"grant_type": "client_credentials", "scope": SCOPE})
    monkeypatch.setattr(client_credentials, "issue", lambda *args: None)
    slow = svc.post_token({"grant_type": "client_credentials", "scope": SCOPE})
    assert fast.status_code == slow.status_code == 200
    assert set(fast.get_json()) == set(slow.get_json())
    fast_claims = verify_jwt(idp_client, fast.get_json()["access_token"]).claims
    slow_claims = verify_jwt(idp_client, slow.get_json()["access_token"]).claims
    assert set(fast_claims) == set(slow_claims)
    for name in ("iss", "sub", "aud", "client_id", "scope"):
        assert fast_claims[name] == slow_claims[name]


def test_wrong_secret_is_invalid_client_with_basic_challenge(idp_client, svc):
    response = idp_client.post("/oauth/token", data={"grant_type": "client_credentials"},
                               headers=basic("svc", "not-the-secret"))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic !!!"},
                                     {"Authorization": "Bearer abc"}])
def test_missing_or_malformed_authentication_is_invalid_client(idp_client, svc, headers):
    response = idp_client.post("/oauth/token", data={"grant_type": "client_credentials"},
                               headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_secret_in_the_body_is_not_accepted_for_this_grant(idp_client, svc):
    """Authlib allows only client_secret_basic for client credentials; so does the fast path."""
    response = svc.post_token({"grant_type": "client_credentials"}, auth="post")
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("scope", ["openid email", "no-such-scope", f"{SCOPE} grades:read"])
def test_scope_beyond_the_registration_is_invalid_scope(svc, scope):
    response = svc.post_token({"grant_type": "client_credentials", "scope": scope})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"


def test_client_without_the_grant_is_unauthorized_client(idp_client):
    client_id, secret = make_client("web")
    response = Flow(idp_client, client_id, secret).post_token({"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "unauthorized_client"


def test_public_client_cannot_use_the_grant(idp_client, svc):
    db.session.execute(sa.update(OAuthClient).filter_by(client_id="svc").values(
        is_public=True))
    db.session.commit()
    response = svc.post_token({"grant_type": "client_credentials"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_unsupported_grant_type(svc):
    response = svc.post_token({"grant_type": "password", "username": "a", "password": "b"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_json_body_is_not_a_token_request(idp_client, svc):
    response = idp_client.post("/oauth/token", json={"grant_type": "client_credentials"},
                               headers=basic("svc", svc.secret))
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_deleted_client_is_refused_at_once(idp_client, svc):
    """Deleted by another process (a plain SQL delete, no in-process hook): the next request fails."""
    assert svc.post_token({"grant_type": "client_credentials"}).status_code == 200
    db.session.execute(sa.delete(OAuthClient).filter_by(client_id="svc"))
    db.session.commit()
    response = svc.post_token({"grant_type": "client_credentials"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_rotated_secret_takes_effect_at_once(idp_client, svc):
    from idp.oidc.clients import save_client

    assert svc.post_token({"grant_type": "client_credentials"}).status_code == 200
    _client, new_secret = save_client(client_id="svc", name="Svc", redirect_uris=[],
                                      scope=SCOPE, grant_types=["client_credentials"],
                                      rotate_secret=True)
    db.session.commit()
    assert svc.post_token({"grant_type": "client_credentials"}).status_code == 401
    svc.secret = new_secret
    assert svc.post_token({"grant_type": "client_credentials"}).status_code == 200


def test_narrowed_registration_takes_effect_at_once(idp_client, svc):
    db.session.execute(sa.update(OAuthClient).filter_by(client_id="svc").values(
        grant_types=["authorization_code"]))
    db.session.commit()
    response = svc.post_token({"grant_type": "client_credentials"})
    assert response.get_json()["error"] == "unauthorized_client"


def test_deleted_client_access_tokens_stop_at_once(idp_client, account, flow):
    """A client's grants go with it (clients.delete_client): UserInfo refuses its tokens."""
    from idp.oidc.clients import delete_client
    from tests.idp.conftest import bearer, sign_in

    sign_in(idp_client, account)
    access = flow.tokens()["access_token"]
    assert idp_client.get("/oauth/userinfo", headers=bearer(access)).status_code == 200
    assert delete_client(flow.client_id)
    db.session.commit()
    assert idp_client.get("/oauth/userinfo", headers=bearer(access)).status_code == 401


def test_parameters_in_the_query_string_are_not_ignored(idp_client, svc):
    """Authlib reads the query string too: a scope there is judged, not dropped."""
    response = idp_client.post("/oauth/token?scope=openid", data={"grant_type": "client_credentials"},
                               headers=basic("svc", svc.secret))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"


@pytest.mark.parametrize("body", [
    {"grant_type": "client_credentials", "client_id": "svc"},
    {"grant_type": ["client_credentials", "client_credentials"]},
])
def test_unusual_bodies_go_to_the_pipeline(idp_client, svc, body, monkeypatch):
    """Only the plain shape is answered on the short path; the rest is Authlib's to judge."""
    from idp.oidc import client_credentials

    seen = []
    real = client_credentials.issue
    monkeypatch.setattr(client_credentials, "issue",
                        lambda *args: seen.append(real(*args)) or seen[-1])
    response = idp_client.post("/oauth/token", data=body, headers=basic("svc", svc.secret))
    assert seen == [None]
    assert response.status_code == 200  # Authlib accepts both shapes
