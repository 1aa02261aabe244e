"""Basic OP: the token endpoint — codes, PKCE, client authentication, ID and access tokens."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from idp.extensions import db
from idp.oidc.models import AuthorizationCode, Grant, RefreshToken
from shared.database import utcnow
from tests.idp.conftest import REDIRECT, Flow, bearer, make_client, sign_in, verify_jwt


def half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def test_id_token_claims(idp_client, idp_app, account, flow):
    sign_in(idp_client, account)
    tokens = flow.tokens(nonce="n-123")
    assert tokens["token_type"] == "Bearer"
    token = verify_jwt(idp_client, tokens["id_token"])
    claims = token.claims
    assert token.header["alg"] == "RS256" and token.header["kid"]
    assert claims["iss"] == idp_app.config["IDP_ISSUER"]
    assert claims["aud"] == ["rp"] or claims["aud"] == "rp"
    assert claims["sub"] == account.sub
    assert claims["nonce"] == "n-123"
    assert claims["exp"] > claims["iat"]
    assert claims["at_hash"] == half_hash(tokens["access_token"])
    assert claims["amr"] == ["pwd"] and claims["acr"].endswith(":pwd")
    assert "auth_time" in claims


def test_amr_reports_totp(idp_client, account, flow):
    sign_in(idp_client, account, amr=("pwd", "otp", "mfa"))
    claims = verify_jwt(idp_client, flow.tokens()["id_token"]).claims
    assert {"otp", "mfa"} <= set(claims["amr"])
    assert claims["acr"].endswith(":mfa")


def test_es256_client_gets_es256_id_tokens(idp_client, account):
    client_id, secret = make_client("ec", id_token_alg="ES256")
    flow = Flow(idp_client, client_id, secret)
    sign_in(idp_client, account)
    token = verify_jwt(idp_client, flow.tokens()["id_token"])
    assert token.header["alg"] == "ES256"


def test_access_token_is_rfc9068_jwt(idp_client, idp_app, account, flow):
    sign_in(idp_client, account)
    token = verify_jwt(idp_client, flow.tokens(scope="openid profile")["access_token"])
    assert token.header["typ"] == "at+jwt" and token.header["kid"]
    claims = token.claims
    assert claims["iss"] == idp_app.config["IDP_ISSUER"]
    assert claims["sub"] == account.sub
    assert claims["client_id"] == "rp"
    assert "rp" in claims["aud"]
    assert claims["scope"] == "openid profile"
    assert claims["jti"]
    assert claims["exp"] - claims["iat"] == 600


def test_client_secret_post(idp_client, account, flow):
    sign_in(idp_client, account)
    assert flow.token(flow.code(), auth="post").status_code == 200


def test_wrong_client_secret(idp_client, account, flow):
    sign_in(idp_client, account)
    flow.secret = "wrong"
    response = flow.token(flow.code())
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_confidential_client_cannot_skip_authentication(idp_client, account, flow):
    sign_in(idp_client, account)
    response = flow.token(flow.code(), auth="none")
    assert response.get_json()["error"] == "invalid_client"


def test_public_client_with_pkce(idp_client, account):
    client_id, secret = make_client("spa", public=True)
    assert secret is None
    flow = Flow(idp_client, client_id)
    sign_in(idp_client, account)
    response = flow.token(flow.code(), auth="none")
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("verifier", ["wrong-" + "v" * 50, ""])
def test_wrong_or_missing_pkce_verifier(idp_client, account, flow, verifier):
    sign_in(idp_client, account)
    code = flow.code()
    response = flow.token(code, verifier=verifier or None) if verifier else \
        flow.post_token({"grant_type": "authorization_code", "code": code,
                         "redirect_uri": REDIRECT})
    assert response.status_code == 400
    assert response.get_json()["error"] in ("invalid_grant", "invalid_request")


def test_public_client_without_verifier_fails(idp_client, account):
    client_id, _ = make_client("spa", public=True)
    flow = Flow(idp_client, client_id)
    sign_in(idp_client, account)
    code = flow.code()
    response = flow.post_token({"grant_type": "authorization_code", "code": code,
                                "redirect_uri": REDIRECT}, auth="none")
    assert response.status_code == 400


def test_code_reuse_fails_and_revokes_tokens(idp_client, account, flow):
    sign_in(idp_client, account)
    code = flow.code(scope="openid offline_access")
    first = flow.token(code).get_json()
    assert idp_client.get("/oauth/userinfo", headers=bearer(first["access_token"])).status_code \
        == 200
    second = flow.token(code)
    assert second.status_code == 400
    assert second.get_json()["error"] == "invalid_grant"
    # Everything issued from the code is revoked.
    assert idp_client.get("/oauth/userinfo", headers=bearer(first["access_token"])).status_code \
        == 401
    refreshed = flow.post_token({"grant_type": "refresh_token",
                                 "refresh_token": first["refresh_token"]})
    assert refreshed.get_json()["error"] == "invalid_grant"


def test_code_expires(idp_client, account, flow):
    sign_in(idp_client, account)
    code = flow.code()
    with time_machine.travel(utcnow() + timedelta(seconds=91)):
        response = flow.token(code)
    assert response.get_json()["error"] == "invalid_grant"


def test_code_is_stored_hashed_and_short_lived(idp_client, account, flow):
    sign_in(idp_client, account)
    code = flow.code()
    row = db.session.scalar(sa.select(AuthorizationCode))
    assert row.code_hash != code and len(row.code_hash) == 64
    assert 60 <= (row.expires_at - row.created_at).total_seconds() <= 600


def test_code_bound_to_redirect_uri(idp_client, account):
    client_id, secret = make_client(redirect_uris=(REDIRECT, REDIRECT + "2"))
    flow = Flow(idp_client, client_id, secret)
    sign_in(idp_client, account)
    code = flow.code()
    flow.redirect_uri = REDIRECT + "2"
    assert flow.token(code).get_json()["error"] == "invalid_grant"


def test_code_bound_to_client(idp_client, account, flow):
    other_id, other_secret = make_client("other")
    sign_in(idp_client, account)
    code = flow.code()
    thief = Flow(idp_client, other_id, other_secret)
    thief.verifier = flow.verifier
    assert thief.token(code).get_json()["error"] == "invalid_grant"


def test_refresh_token_only_with_offline_access(idp_client, account, flow):
    sign_in(idp_client, account)
    assert "refresh_token" not in flow.tokens(scope="openid")
    assert "refresh_token" in flow.tokens(scope="openid offline_access")


def test_refresh_rotation_and_reuse_revokes_grant(idp_client, account, flow):
    sign_in(idp_client, account)
    first = flow.tokens(scope="openid profile offline_access")
    rotated = flow.post_token({"grant_type": "refresh_token",
                               "refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200, rotated.get_json()
    second = rotated.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert idp_client.get("/oauth/userinfo", headers=bearer(second["access_token"])).status_code \
        == 200
    # Replaying the consumed token: refused, and the whole grant dies.
    replay = flow.post_token({"grant_type": "refresh_token",
                              "refresh_token": first["refresh_token"]})
    assert replay.get_json()["error"] == "invalid_grant"
    after = flow.post_token({"grant_type": "refresh_token",
                             "refresh_token": second["refresh_token"]})
    assert after.get_json()["error"] == "invalid_grant"
    assert idp_client.get("/oauth/userinfo", headers=bearer(second["access_token"])).status_code \
        == 401
    assert db.session.scalar(sa.select(Grant)).revoked_at is not None


def test_refresh_tokens_are_stored_hashed(idp_client, account, flow):
    sign_in(idp_client, account)
    refresh = flow.tokens(scope="openid offline_access")["refresh_token"]
    row = db.session.scalar(sa.select(RefreshToken))
    assert row.token_hash != refresh and len(row.token_hash) == 64


def test_refresh_token_bound_to_client(idp_client, account, flow):
    other_id, other_secret = make_client("other")
    sign_in(idp_client, account)
    refresh = flow.tokens(scope="openid offline_access")["refresh_token"]
    thief = Flow(idp_client, other_id, other_secret)
    response = thief.post_token({"grant_type": "refresh_token", "refresh_token": refresh})
    assert response.get_json()["error"] == "invalid_grant"
    # The rightful client can still use it.
    assert flow.post_token({"grant_type": "refresh_token",
                            "refresh_token": refresh}).status_code == 200


def test_refresh_cannot_widen_scope(idp_client, account, flow):
    sign_in(idp_client, account)
    refresh = flow.tokens(scope="openid offline_access")["refresh_token"]
    response = flow.post_token({"grant_type": "refresh_token", "refresh_token": refresh,
                                "scope": "openid email offline_access"})
    assert response.get_json()["error"] == "invalid_scope"


def test_client_credentials(idp_client, idp_app):
    client_id, secret = make_client("svc", grant_types=["client_credentials"], redirect_uris=(),
                                     scope="school_accounts.verify")
    flow = Flow(idp_client, client_id, secret)
    response = flow.post_token({"grant_type": "client_credentials",
                                "scope": "school_accounts.verify"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert "refresh_token" not in body and "id_token" not in body
    claims = verify_jwt(idp_client, body["access_token"]).claims
    assert claims["sub"] == "svc" and claims["client_id"] == "svc"
    assert claims["aud"] == idp_app.config["GRADEBOOK_URL"]
    assert response.headers["Cache-Control"] == "no-store"


def test_client_credentials_disallowed_scope(idp_client):
    client_id, secret = make_client("svc", grant_types=["client_credentials"], redirect_uris=(),
                                     scope="school_accounts.verify")
    flow = Flow(idp_client, client_id, secret)
    response = flow.post_token({"grant_type": "client_credentials", "scope": "openid email"})
    assert response.get_json()["error"] == "invalid_scope"


def test_client_without_grant_type_is_refused(idp_client, flow):
    response = flow.post_token({"grant_type": "client_credentials"})
    assert response.get_json()["error"] == "unauthorized_client"


@pytest.mark.parametrize("grant_type", ["password", "implicit",
                                        "urn:ietf:params:oauth:grant-type:device_code"])
def test_no_password_or_implicit_grant(idp_client, flow, grant_type):
    response = flow.post_token({"grant_type": grant_type, "username": "a", "password": "b"})
    assert response.get_json()["error"] == "unsupported_grant_type"


@pytest.mark.app_config({"OIDC_ACCESS_TOKEN_ALG": "ES256"})
def test_access_token_algorithm_is_configurable(idp_client, account, flow):
    sign_in(idp_client, account)
    access = flow.tokens()["access_token"]
    assert verify_jwt(idp_client, access).header["alg"] == "ES256"
    assert idp_client.get("/oauth/userinfo", headers=bearer(access)).status_code == 200


def test_prune_expired(idp_app, idp_client, account, flow):
    sign_in(idp_client, account)
    flow.tokens(scope="openid offline_access")
    flow.code()
    with time_machine.travel(utcnow() + timedelta(days=31)):
        result = idp_app.test_cli_runner().invoke(args=["oidc", "prune"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["codes"] == 2 and counts["refresh_tokens"] == 1 and counts["grants"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthorizationCode)) == 0


def test_prune_keeps_grants_with_live_refresh_tokens(idp_app, idp_client, account, flow):
    sign_in(idp_client, account)
    tokens = flow.tokens(scope="openid offline_access")
    with time_machine.travel(utcnow() + timedelta(days=1)):
        counts = json.loads(idp_app.test_cli_runner().invoke(args=["oidc", "prune"]).output)
        assert counts["grants"] == 0 and counts["refresh_tokens"] == 0
        refreshed = flow.post_token({"grant_type": "refresh_token",
                                     "refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200


def test_code_claimed_by_another_request_is_refused(idp_app, idp_client, account, flow):
    """Two requests presenting one code at once: the one that did not claim it gets nothing."""
    from types import SimpleNamespace

    from idp.oidc.digests import digest
    from idp.oidc.server import AuthorizationCodeGrant, authorization_server

    sign_in(idp_client, account)
    codes = [flow.code(), flow.code()]
    rows = [db.session.scalar(sa.select(AuthorizationCode).filter_by(code_hash=digest(code)))
            for code in codes]
    grant = AuthorizationCodeGrant(SimpleNamespace(), authorization_server())
    # The second code is redeemed by "another request" after this one read it.
    db.session.execute(sa.update(AuthorizationCode).filter_by(id=rows[1].id).values(
        used_at=utcnow()))
    assert grant.authenticate_user(rows[1]) is None
    assert grant.authenticate_user(rows[0]) == account
    db.session.commit()
    assert db.session.get(Grant, rows[0].grant_id) is not None
    assert rows[1].grant_id is None
