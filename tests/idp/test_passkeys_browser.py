"""Passkeys of families at the IdP in headless Chromium with its virtual authenticator.

A parent enrols a named passkey in the account settings, signs in with it alone
("Zaloguj się kluczem dostępu" beside the unchanged e-mail/password form), revokes it
(then it is refused); the passkey is refused by an IdP at another origin, and by this
IdP reached under another host name (what a phishing proxy is). The IdPs run at
``localhost`` names: an IP address is no valid RP ID.
"""

from __future__ import annotations

import pytest

from shared.mailcatcher import free_port
from tests.gradebook.test_passkeys_browser import _axe_violations
from tests.idp.accounts_factories import PASSWORD, make_account
from tests.support.live import ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AUTHENTICATOR = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                 "hasUserVerification": True, "isUserVerified": True}


def _idp(database_urls, idp_app, host: str) -> ServiceProcess:
    port = free_port()
    process = ServiceProcess("idp", {
        "IDP_DATABASE_URL": database_urls["idp"], "FLASK_DEBUG": "0",
        "IDP_ISSUER": f"http://{host}:{port}", "SECRET_KEY": idp_app.config["SECRET_KEY"],
        "EDZ_INSTANCE_DIR": "/tmp/edz-test-instance", "ARGON2_TIME_COST": "2",
        "ARGON2_MEMORY_COST": "19456", "ARGON2_PARALLELISM": "1"}, port=port)
    process.public_url = f"http://{host}:{port}"  # Chromium resolves *.localhost to loopback
    return process


@pytest.fixture
def idps(database_urls, idp_app):
    """The IdP at localhost, and a second one (same database) at other.localhost."""
    here = _idp(database_urls, idp_app, "localhost").start()
    elsewhere = _idp(database_urls, idp_app, "other.localhost")
    try:
        elsewhere.start()
        yield here, elsewhere
    finally:
        elsewhere.stop()
        here.stop()


def _passkey_sign_in_refused(page, url):
    page.goto(url + "/login")
    page.click("#passkey-signin button[type=submit]")
    status = page.locator("#passkey-signin .passkey-status")
    status.wait_for(state="visible")
    assert "/login" in page.url
    return status.inner_text()


def _signed_out(page, url):
    """Sign out with the page's own button, as a person would; the account page then asks to
    sign in."""
    page.goto(url + "/account")
    page.click("form.inline button[type=submit]")
    page.wait_for_load_state()
    page.goto(url + "/account")
    assert "/login" in page.url


def test_enrol_sign_in_revoke_and_other_origins(idps, idp_app, chromium, screenshot):
    here, elsewhere = idps
    make_account("mama.passkey@example.org")
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="pl-PL")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator",
                             {"options": AUTHENTICATOR})["authenticatorId"]

    # The e-mail/password form is unchanged; then enrol a passkey from the account settings.
    page.goto(here.public_url + "/login")
    page.fill("#email", "mama.passkey@example.org")
    page.fill("#password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(here.public_url + "/account")
    page.click("text=Klucze dostępu: logowanie bez hasła")
    page.wait_for_url("**/account/passkeys")
    page.click("#passkey-enrol button[type=submit]")  # no name yet: told, nothing created
    status = page.locator("#passkey-enrol .passkey-status")
    status.wait_for(state="visible")
    assert "nazw" in status.inner_text()
    page.fill("#passkey-name", "Telefon mamy")
    page.click("#passkey-enrol button[type=submit]")
    page.wait_for_selector("text=Dodano klucz dostępu")
    assert "Telefon mamy" in page.locator(".passkey-list").inner_text()
    (credential,) = cdp.send("WebAuthn.getCredentials",
                             {"authenticatorId": authenticator})["credentials"]
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"
    screenshot(page, "idp-passkeys-manage")
    assert _axe_violations(chromium, context, here.public_url + "/account/passkeys") == []

    # Passwordless: the button on /login alone signs the parent in.
    _signed_out(page, here.public_url)
    page.goto(here.public_url + "/login")
    screenshot(page, "idp-login-with-passkey")
    assert _axe_violations(chromium, context, here.public_url + "/login") == []
    page.click("#passkey-signin button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    assert "mama.passkey@example.org" in page.goto(here.public_url + "/account").text()
    assert cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator}
                    )["credentials"][0]["signCount"] >= 1
    _signed_out(page, here.public_url)

    # Another origin: another IdP (its own RP ID: the browser has no passkey for it), and this
    # IdP behind another host name, as a phishing proxy would be.
    assert _passkey_sign_in_refused(page, elsewhere.public_url)
    proxied = _passkey_sign_in_refused(page, here.public_url.replace("localhost",
                                                                     "evil.localhost"))
    assert "nie mogła użyć klucza" in proxied

    # Revoke: the passkey still sits on the authenticator but the IdP refuses it.
    page.goto(here.public_url + "/login")
    page.click("#passkey-signin button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(here.public_url + "/account/passkeys")
    page.click(".passkey-list button.danger")
    page.wait_for_selector("text=Klucz dostępu usunięto")
    assert page.locator(".passkey-list").count() == 0
    _signed_out(page, here.public_url)
    message = _passkey_sign_in_refused(page, here.public_url)
    assert "nie został przyjęty" in message
    assert not errors, errors
    context.close()
