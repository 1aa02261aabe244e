"""Form Post OP: the Basic checks with response_mode=form_post (OAuth 2.0 Form Post Response Mode)."""

from __future__ import annotations

import re

from tests.idp.conftest import REDIRECT, Flow, make_client, sign_in, verify_jwt

_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def fields_of(response) -> dict[str, str]:
    import html

    page = response.get_data(as_text=True)
    return {name: html.unescape(value) for name, value in _FIELD.findall(page)}


def test_form_post_delivers_code_state_and_iss(idp_client, idp_app, account, flow):
    sign_in(idp_client, account)
    response = flow.authorize(response_mode="form_post", state="fp")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'action="{REDIRECT}"' in page
    fields = fields_of(response)
    assert fields["state"] == "fp"
    assert fields["iss"] == idp_app.config["IDP_ISSUER"]
    tokens = flow.token(fields["code"]).get_json()
    assert verify_jwt(idp_client, tokens["id_token"]).claims["sub"] == account.sub


def test_form_post_page_is_csp_clean(idp_client, account, flow):
    sign_in(idp_client, account)
    response = flow.authorize(response_mode="form_post")
    page = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "form-action 'self' https://rp.example.org/cb;" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in page and "onload" not in page
    script = re.search(r'<script src="([^"]+)"></script>', page).group(1)
    static = idp_client.get(script)
    assert static.status_code == 200
    static.close()
    assert response.headers["Cache-Control"] == "no-store"
    # Other pages keep the default form-action.
    other = idp_client.get("/oauth/logout")
    assert "rp.example.org" not in other.headers["Content-Security-Policy"]


def test_form_post_errors(idp_client, flow):
    response = flow.authorize(response_mode="form_post", prompt="none", state="e")
    fields = fields_of(response)
    assert fields["error"] == "login_required" and fields["state"] == "e" and fields["iss"]


def test_form_post_with_bad_redirect_uri_shows_page(idp_client, account, flow):
    sign_in(idp_client, account)
    response = flow.authorize(response_mode="form_post",
                              redirect_uri="https://evil.example.org/cb")
    assert response.status_code == 400
    assert "evil.example.org/cb\"" not in response.get_data(as_text=True)


def test_form_post_public_client_and_post_request(idp_client, account):
    client_id, _ = make_client("spa", public=True)
    flow = Flow(idp_client, client_id)
    sign_in(idp_client, account)
    fields = fields_of(flow.authorize(method="POST", response_mode="form_post"))
    assert flow.token(fields["code"], auth="none").status_code == 200


def test_form_post_code_single_use(idp_client, account, flow):
    sign_in(idp_client, account)
    code = fields_of(flow.authorize(response_mode="form_post"))["code"]
    assert flow.token(code).status_code == 200
    assert flow.token(code).get_json()["error"] == "invalid_grant"
