"""Signing out after "Zaloguj się z KONTEM" in headless Chromium under the real CSP.

Both services run as processes. The register's session ends, the IdP's session
ends (RP-initiated logout with id_token_hint to a registered post-logout URI),
the browser lands on a page that says so, and the next "Zaloguj się z KONTEM"
asks for the password again.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_sso_gradebook import EMAIL, PASSWORD, _family, _link, live_pair  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state()


def _sign_in_with_account(page, gradebook_url: str) -> None:
    page.goto(gradebook_url + "/login")
    _submit(page, 'a[href*="/auth/sso"]')
    page.fill('input[name="email"]', EMAIL)
    page.fill('input[name="password"]', PASSWORD)
    _submit(page, 'main form button[type="submit"]')


@pytest.mark.parametrize("width", [390, 1280])
def test_sign_out_ends_both_sessions_and_the_next_sso_asks_for_the_password(
        live_pair, gradebook_app, idp_app, browser_page, screenshot, width):  # noqa: F811
    idp, gradebook = live_pair
    refs = _family(gradebook_app)
    _link(idp_app, [ref for ref, _ in refs])
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    violations = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    _sign_in_with_account(page, gradebook.url)
    assert page.url.startswith(gradebook.url) and "/login" not in page.url, page.url
    # "Wyloguj się" in the header: through the IdP's end-session endpoint and back.
    with page.expect_navigation(url=re.compile(re.escape(gradebook.url) + r"/login")):
        page.click("form.logout button")
    page.wait_for_load_state()
    screenshot(page, f"signed-out-{width}")
    assert "Wylogowano" in page.inner_text("main")
    assert violations == []
    # The register's session is over ...
    page.goto(gradebook.url + "/account")
    assert re.search(r"/login", page.url)
    # ... and so is the IdP's: "Zaloguj się z KONTEM" asks for the password.
    page.goto(gradebook.url + "/login")
    _submit(page, 'a[href*="/auth/sso"]')
    assert page.url.startswith(idp.url + "/login"), page.url
    assert page.locator('input[name="password"]').is_visible()
    page.goto(idp.url + "/account")
    assert page.url.startswith(idp.url + "/login"), page.url
