"""UserInfo (OIDC Core §5.3), revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

import base64

import pytest

from tests.idp.conftest import Flow, bearer, make_client, sign_in


@pytest.fixture
def tokens(idp_client, account, flow):
    sign_in(idp_client, account)
    return flow.tokens(scope="openid profile email school offline_access")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_userinfo_by_get_and_post(idp_client, account, tokens, method):
    response = idp_client.open("/oauth/userinfo", method=method,
                               headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    info = response.get_json()
    assert info["sub"] == account.sub
    assert info["name"] == "Anna Nowak"
    assert info["given_name"] == "Anna" and info["family_name"] == "Nowak"
    assert info["email"] == "rodzic@example.org"
    assert "email_verified" in info
    assert info["school_accounts"] == [{"ref": "ref-1", "role": "parent",
                                        "display_name": "parent ref-1", "school": "SP 5 Żory"}]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("scope", "present", "absent"), [
    ("openid", set(), {"name", "email", "school_accounts"}),
    ("openid profile", {"name", "given_name", "family_name"}, {"email", "school_accounts"}),
    ("openid email", {"email", "email_verified"}, {"name", "school_accounts"}),
    ("openid school", {"school_accounts"}, {"name", "email"}),
])
def test_claims_by_scope(idp_client, account, flow, scope, present, absent):
    sign_in(idp_client, account)
    token = flow.tokens(scope=scope)["access_token"]
    info = idp_client.get("/oauth/userinfo", headers=bearer(token)).get_json()
    assert present <= set(info) and not absent & set(info)
    assert info["sub"] == account.sub


def test_userinfo_needs_a_valid_token(idp_client, tokens):
    assert idp_client.get("/oauth/userinfo").status_code == 401
    tampered = tokens["access_token"][:-4] + ("AAAA" if not tokens["access_token"].endswith(
        "AAAA") else "BBBB")
    assert idp_client.get("/oauth/userinfo", headers=bearer(tampered)).status_code == 401
    # An ID token is not an access token (RFC 9068 §4: typ at+jwt).
    assert idp_client.get("/oauth/userinfo", headers=bearer(tokens["id_token"])).status_code == 401
    # A token in the query string is not accepted.
    assert idp_client.get("/oauth/userinfo",
                          query_string={"access_token": tokens["access_token"]}).status_code == 401


def test_userinfo_needs_openid_scope(idp_client):
    client_id, secret = make_client("svc", grant_types=["client_credentials"], redirect_uris=(),
                                     scope="school_accounts.verify")
    flow = Flow(idp_client, client_id, secret)
    token = flow.post_token({"grant_type": "client_credentials"}).get_json()["access_token"]
    assert idp_client.get("/oauth/userinfo", headers=bearer(token)).status_code in (401, 403)


def basic(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_revoke_access_token(idp_client, rp, tokens):
    response = idp_client.post("/oauth/revoke", data={"token": tokens["access_token"]},
                               headers=basic(*rp))
    assert response.status_code == 200
    assert idp_client.get("/oauth/userinfo",
                          headers=bearer(tokens["access_token"])).status_code == 401


def test_revoke_refresh_token_revokes_the_grant(idp_client, rp, flow, tokens):
    response = idp_client.post("/oauth/revoke", data={"token": tokens["refresh_token"],
                                                      "token_type_hint": "refresh_token"},
                               headers=basic(*rp))
    assert response.status_code == 200
    assert flow.post_token({"grant_type": "refresh_token",
                            "refresh_token": tokens["refresh_token"]}).status_code == 400
    assert idp_client.get("/oauth/userinfo",
                          headers=bearer(tokens["access_token"])).status_code == 401


def test_revoke_unknown_token_is_ok_and_other_clients_tokens_are_refused(idp_client, rp, tokens):
    assert idp_client.post("/oauth/revoke", data={"token": "nonsense"},
                           headers=basic(*rp)).status_code == 200
    other = make_client("other")
    response = idp_client.post("/oauth/revoke", data={"token": tokens["refresh_token"]},
                               headers=basic(*other))
    assert response.status_code == 400
    assert idp_client.get("/oauth/userinfo",
                          headers=bearer(tokens["access_token"])).status_code == 200


def test_revoke_needs_client_authentication(idp_client, tokens):
    response = idp_client.post("/oauth/revoke", data={"token": tokens["access_token"]},
                               headers=basic("rp", "wrong"))
    assert response.status_code == 401


def test_introspection(idp_client, rp, account, tokens):
    body = idp_client.post("/oauth/introspect", data={"token": tokens["access_token"]},
                           headers=basic(*rp)).get_json()
    assert body["active"] is True
    assert body["sub"] == account.sub and body["client_id"] == "rp"
    assert "profile" in body["scope"]
    body = idp_client.post("/oauth/introspect", data={"token": tokens["refresh_token"]},
                           headers=basic(*rp)).get_json()
    assert body["active"] is True
    idp_client.post("/oauth/revoke", data={"token": tokens["access_token"]}, headers=basic(*rp))
    body = idp_client.post("/oauth/introspect", data={"token": tokens["access_token"]},
                           headers=basic(*rp)).get_json()
    assert body == {"active": False}
    assert idp_client.post("/oauth/introspect", data={"token": "garbage"},
                           headers=basic(*rp)).get_json() == {"active": False}


def test_introspection_only_for_confidential_clients_and_own_tokens(idp_client, rp, tokens):
    spa, _ = make_client("spa", public=True)
    response = idp_client.post("/oauth/introspect",
                               data={"token": tokens["access_token"], "client_id": spa})
    assert response.status_code == 401
    other = make_client("other")
    body = idp_client.post("/oauth/introspect", data={"token": tokens["access_token"]},
                           headers=basic(*other)).get_json()
    assert body == {"active": False}
