"""Form Post in a real browser: the static script submits, and the page's CSP allows exactly that."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from tests.idp.accounts_factories import PASSWORD, make_account
from tests.idp.conftest import REDIRECT, Flow, make_client

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_form_post_auto_submits_under_csp(live_idp, idp_app, browser_page):
    make_account("okno@example.org")
    client_id, secret = make_client("browser-rp")
    posted = {}

    def receive(route, request):
        posted.update({k: v[0] for k, v in parse_qs(request.post_data or "").items()})
        posted["method"] = request.method
        route.fulfill(status=200, content_type="text/html", body="<p>ok</p>")

    violations = []
    browser_page.on("console", lambda msg: violations.append(msg.text)
                    if "Content Security Policy" in msg.text else None)
    browser_page.route(REDIRECT + "*", receive)
    flow = Flow(None, client_id, secret)
    params = flow.authorize_params(response_mode="form_post", state="browser")
    from urllib.parse import urlencode

    browser_page.goto(live_idp.url + "/oauth/authorize?" + urlencode(params))
    browser_page.fill('input[name="email"]', "okno@example.org")
    browser_page.fill('input[name="password"]', PASSWORD)
    with browser_page.expect_request(lambda r: r.url.startswith(REDIRECT)):
        browser_page.click('button[type="submit"]')
    browser_page.wait_for_load_state()
    assert posted["method"] == "POST"
    assert posted["state"] == "browser" and posted["code"] and posted["iss"] == live_idp.url
    assert violations == []
