"""The IdP's own back-channel token for the gradebook (docs/architecture.md §5.3)."""

from __future__ import annotations

from idp.extensions import db
from idp.oidc.service_tokens import INTERNAL_CLIENT_ID, issue_service_access_token
from tests.idp.conftest import verify_jwt


def test_service_token_for_the_gradebook(idp_app, idp_client):
    audience = idp_app.config["GRADEBOOK_URL"]
    token = issue_service_access_token("school_accounts.verify")
    db.session.commit()
    parsed = verify_jwt(idp_client, token)
    assert parsed.header["typ"] == "at+jwt" and parsed.header["kid"]
    claims = parsed.claims
    assert claims["aud"] == audience
    assert claims["scope"] == "school_accounts.verify"
    assert claims["client_id"] == claims["sub"] == INTERNAL_CLIENT_ID
    assert claims["iss"] == idp_app.config["IDP_ISSUER"]
    assert claims["exp"] - claims["iat"] == idp_app.config["OIDC_ACCESS_TOKEN_LIFETIME"]
    # Cached in process until shortly before it expires.
    assert issue_service_access_token("school_accounts.verify") == token


def test_internal_client_is_hidden_and_cannot_authenticate(idp_app, idp_client):
    issue_service_access_token("school_accounts.verify")
    db.session.commit()
    import json

    listed = json.loads(idp_app.test_cli_runner().invoke(args=["clients", "list"]).output)
    assert INTERNAL_CLIENT_ID not in [c["client_id"] for c in listed]
    response = idp_client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": INTERNAL_CLIENT_ID,
        "client_secret": ""})
    assert response.status_code == 401
