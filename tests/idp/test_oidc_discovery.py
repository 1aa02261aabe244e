"""Config OP: the discovery document and the JWKS (OIDC Discovery 1.0, RFC 8414, RFC 7517)."""

from __future__ import annotations

from authlib.oidc.discovery import OpenIDProviderMetadata

from tests.idp.conftest import verify_jwt


def test_discovery_document_is_valid(idp_client, idp_app):
    response = idp_client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    meta = response.get_json()
    OpenIDProviderMetadata(meta).validate()
    assert meta["issuer"] == idp_app.config["IDP_ISSUER"]
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                 "revocation_endpoint", "introspection_endpoint", "end_session_endpoint"):
        assert meta[name].startswith(meta["issuer"] + "/")
    assert meta["response_types_supported"] == ["code"]
    assert set(meta["response_modes_supported"]) == {"query", "form_post"}
    assert meta["subject_types_supported"] == ["public"]
    assert meta["id_token_signing_alg_values_supported"][0] == "RS256"
    assert "ES256" in meta["id_token_signing_alg_values_supported"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post", "none"}
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert {"openid", "profile", "email", "school", "offline_access"} <= set(
        meta["scopes_supported"])
    assert {"name", "email", "email_verified", "school_accounts"} <= set(meta["claims_supported"])
    assert "implicit" not in meta["grant_types_supported"]
    assert "password" not in meta["grant_types_supported"]


def test_discovery_and_jwks_are_cacheable(idp_client):
    for path in ("/.well-known/openid-configuration", "/oauth/jwks"):
        first = idp_client.get(path)
        assert first.status_code == 200
        assert "max-age" in first.headers["Cache-Control"]
        etag = first.headers["ETag"]
        again = idp_client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.get_data() == b""


def test_jwks_created_on_first_request_and_public_only(idp_client):
    keys = idp_client.get("/oauth/jwks").get_json()["keys"]
    assert {k["alg"] for k in keys} == {"RS256", "ES256"}
    for key in keys:
        assert key["kid"] and key["use"] == "sig"
        assert "d" not in key and "p" not in key  # no private parts


def test_issuer_in_tokens_equals_discovery_issuer(idp_client, account, flow):
    from tests.idp.conftest import sign_in

    sign_in(idp_client, account)
    tokens = flow.tokens()
    issuer = idp_client.get("/.well-known/openid-configuration").get_json()["issuer"]
    assert verify_jwt(idp_client, tokens["id_token"]).claims["iss"] == issuer
    assert verify_jwt(idp_client, tokens["access_token"]).claims["iss"] == issuer
