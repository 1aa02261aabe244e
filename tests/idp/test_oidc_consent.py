"""App consent: third-party apps ask once, the decision is stored and can be withdrawn."""

from __future__ import annotations

import pytest

from idp.oidc import services
from tests.idp.conftest import Flow, bearer, make_client, query_of, sign_in


@pytest.fixture
def third(idp_client):
    client_id, secret = make_client("kolo", first_party=False, name="Kółko szachowe")
    return Flow(idp_client, client_id, secret)



def hidden(page) -> dict:
    import html
    import re

    return {n: html.unescape(v) for n, v in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.get_data(as_text=True))}


def decide(idp_client, page, decision="allow"):
    data = hidden(page)
    data["consent_decision"] = decision
    return idp_client.post("/oauth/authorize", data=data)


def test_first_party_skips_consent(idp_client, account, flow):
    sign_in(idp_client, account)
    assert "code" in query_of(flow.authorize().location)


def test_third_party_consent_page_names_app_and_scopes(idp_client, account, third):
    sign_in(idp_client, account)
    page = third.authorize(scope="openid email school", ui_locales="en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Kółko szachowe" in text
    assert 'data-scope="email"' in text and 'data-scope="school"' in text
    assert "e-mail address" in text
    assert 'name="csrf_token"' in text


def test_consent_page_in_polish(idp_client, account, third):
    sign_in(idp_client, account)
    text = third.authorize(scope="openid email", ui_locales="pl").get_data(as_text=True)
    assert "Zezwól" in text


def test_allow_is_remembered(idp_client, account, third):
    sign_in(idp_client, account)
    response = decide(idp_client, third.authorize(state="c1"))
    q = query_of(response.location)
    assert "code" in q and q["state"] == "c1"
    assert third.token(q["code"]).status_code == 200
    # Next time: no page, also with prompt=none.
    assert "code" in query_of(third.authorize(prompt="none").location)
    consents = services.list_app_consents(account)
    assert [c.client_id for c in consents] == ["kolo"]
    assert consents[0].client_name == "Kółko szachowe"


def test_more_scopes_ask_again(idp_client, account, third):
    sign_in(idp_client, account)
    decide(idp_client, third.authorize(scope="openid"))
    assert third.authorize(scope="openid email").status_code == 200


def test_prompt_consent_forces_the_page(idp_client, account, third, flow):
    sign_in(idp_client, account)
    decide(idp_client, third.authorize())
    assert third.authorize(prompt="consent").status_code == 200
    assert flow.authorize(prompt="consent").status_code == 302  # first party: never asked


def test_deny_is_access_denied(idp_client, account, third):
    sign_in(idp_client, account)
    response = decide(idp_client, third.authorize(state="d"), "deny")
    q = query_of(response.location)
    assert q["error"] == "access_denied" and q["state"] == "d" and "iss" in q
    assert services.list_app_consents(account) == []


def test_prompt_none_without_consent(idp_client, account, third):
    sign_in(idp_client, account)
    assert query_of(third.authorize(prompt="none").location)["error"] == "consent_required"


def test_consent_post_needs_csrf(idp_client, account, third):
    sign_in(idp_client, account)
    data = hidden(third.authorize())
    data.update(consent_decision="allow", csrf_token="")
    response = idp_client.post("/oauth/authorize", data=data)
    assert response.status_code == 400
    assert services.list_app_consents(account) == []


def test_withdrawal_revokes_the_apps_tokens(idp_client, account, third, flow):
    sign_in(idp_client, account)
    q = query_of(decide(idp_client, third.authorize(scope="openid offline_access")).location)
    app_tokens = third.token(q["code"]).get_json()
    own_tokens = flow.tokens()
    assert services.withdraw_app_consent(account, "kolo") is True
    from idp.extensions import db

    db.session.commit()
    assert idp_client.get("/oauth/userinfo",
                          headers=bearer(app_tokens["access_token"])).status_code == 401
    assert third.post_token({"grant_type": "refresh_token",
                             "refresh_token": app_tokens["refresh_token"]}).status_code == 400
    # Other apps are untouched.
    assert idp_client.get("/oauth/userinfo",
                          headers=bearer(own_tokens["access_token"])).status_code == 200
    assert third.authorize().status_code == 200  # asks again
    assert services.withdraw_app_consent(account, "kolo") is False


def test_revoke_all_tokens(idp_client, account, third, flow):
    sign_in(idp_client, account)
    own = flow.tokens(scope="openid offline_access")
    assert services.revoke_all_tokens(account) == 1
    from idp.extensions import db

    db.session.commit()
    assert idp_client.get("/oauth/userinfo", headers=bearer(own["access_token"])).status_code \
        == 401
    assert flow.post_token({"grant_type": "refresh_token",
                            "refresh_token": own["refresh_token"]}).status_code == 400
