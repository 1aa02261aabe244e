"""Access tokens are signed per resource server: ES256 for the project's own, RS256 otherwise.

RS256 is the algorithm every RFC 9068 resource server must accept, so a token that a
third party will verify stays RS256 (``OIDC_ACCESS_TOKEN_ALG``). A token whose every
audience is one of the project's services is signed with ``OIDC_OWN_ACCESS_TOKEN_ALG``
(ES256 by default), which costs a tenth of the CPU to sign.
"""

from __future__ import annotations

import pytest

from tests.idp.conftest import Flow, bearer, make_client, query_of, sign_in, verify_jwt
from tests.idp.test_oidc_consent import decide


def third_party_access_token(idp_client, account) -> str:
    """An access token of a third-party app the account allowed on the consent page."""
    client_id, secret = make_client("lunch", first_party=False)
    app = Flow(idp_client, client_id, secret)
    sign_in(idp_client, account)
    allowed = decide(idp_client, app.authorize(scope="openid profile"))
    assert allowed.status_code == 302, allowed.get_data(as_text=True)
    response = app.token(query_of(allowed.location)["code"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def test_first_party_client_gets_es256_access_and_rs256_id_tokens(idp_client, account, flow):
    sign_in(idp_client, account)
    tokens = flow.tokens(scope="openid profile")
    access = verify_jwt(idp_client, tokens["access_token"])
    assert access.header["alg"] == "ES256" and access.header["typ"] == "at+jwt"
    assert access.header["kid"]
    assert verify_jwt(idp_client, tokens["id_token"]).header["alg"] == "RS256"
    # The IdP's own resource server (UserInfo) accepts it.
    assert idp_client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code \
        == 200


def test_third_party_client_gets_rs256_access_tokens(idp_client, account):
    access = third_party_access_token(idp_client, account)
    token = verify_jwt(idp_client, access)
    assert token.header["alg"] == "RS256"
    assert "lunch" in token.claims["aud"]
    assert idp_client.get("/oauth/userinfo", headers=bearer(access)).status_code == 200


def test_service_token_for_the_gradebook_is_es256(idp_client, idp_app):
    client_id, secret = make_client("svc", grant_types=["client_credentials"], redirect_uris=(),
                                    scope="school_accounts.verify", first_party=False)
    response = Flow(idp_client, client_id, secret).post_token(
        {"grant_type": "client_credentials", "scope": "school_accounts.verify"})
    assert response.status_code == 200, response.get_data(as_text=True)
    token = verify_jwt(idp_client, response.get_json()["access_token"])
    assert token.claims["aud"] == idp_app.config["GRADEBOOK_URL"]
    assert token.header["alg"] == "ES256"


@pytest.mark.app_config({"OIDC_OWN_ACCESS_TOKEN_ALG": "RS256"})
def test_own_algorithm_can_be_rs256_again(idp_client, account, flow):
    sign_in(idp_client, account)
    access = flow.tokens(scope="openid profile")["access_token"]
    assert verify_jwt(idp_client, access).header["alg"] == "RS256"


@pytest.mark.app_config({"OIDC_ACCESS_TOKEN_ALG": "ES256"})
def test_default_algorithm_still_applies_to_third_parties(idp_client, account):
    access = third_party_access_token(idp_client, account)
    assert verify_jwt(idp_client, access).header["alg"] == "ES256"
