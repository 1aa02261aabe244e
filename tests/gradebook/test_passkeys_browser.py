"""Passkeys in headless Chromium with its virtual authenticator (DevTools WebAuthn domain).

A teacher enrols a passkey from the account settings, signs in with it alone and as
the second step after the password, revokes it (then it is refused); the passkey of
this register is refused by a register at another origin, and on the same register
reached under another host name (what a phishing proxy is). The registers run at
``localhost`` names: an IP address is no valid RP ID.
"""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from shared.mailcatcher import free_port
from tests.gradebook import accounts_factories as f
from tests.support.live import ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE = Path(__file__).parent / "axe" / "axe.min.js"
AUTHENTICATOR = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                 "hasUserVerification": True, "isUserVerified": True}


def _gradebook(database_urls, gradebook_app, host: str) -> ServiceProcess:
    port = free_port()
    process = ServiceProcess("gradebook", {
        "GRADEBOOK_DATABASE_URL": database_urls["gradebook"], "FLASK_DEBUG": "0",
        "GRADEBOOK_URL": f"http://{host}:{port}",
        "SECRET_KEY": gradebook_app.config["SECRET_KEY"],
        "EDZ_INSTANCE_DIR": "/tmp/edz-test-instance", "ARGON2_TIME_COST": "2",
        "ARGON2_MEMORY_COST": "19456", "ARGON2_PARALLELISM": "1"}, port=port)
    process.public_url = f"http://{host}:{port}"  # Chromium resolves *.localhost to loopback
    return process


@pytest.fixture
def registers(database_urls, gradebook_app):
    """The register at localhost, and a second one (same database) at other.localhost.

    Not 127.0.0.1: an IP address is no valid RP ID, browsers refuse passkeys there.
    """
    here = _gradebook(database_urls, gradebook_app, "localhost").start()
    elsewhere = _gradebook(database_urls, gradebook_app, "other.localhost")
    try:
        elsewhere.start()
        yield here, elsewhere
    finally:
        elsewhere.stop()
        here.stop()


@pytest.fixture
def teacher(gradebook_app):
    school = f.make_school("Szkoła Podstawowa nr 3 w Rybniku")
    account = f.make_staff(school)
    f.commit()
    return account


def _axe_violations(browser, context, url) -> list[str]:
    """WCAG 2.1 A/AA violations on ``url`` (axe injected in a second tab with the CSP off)."""
    audit = browser.new_context(bypass_csp=True, storage_state=context.storage_state(),
                                viewport={"width": 390, "height": 844}, locale="pl-PL")
    page = audit.new_page()
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {runOnly: ['wcag2a', "
                           "'wcag2aa']})).violations.map(v => v.id + ': ' + v.nodes.length)")
    audit.close()
    return result


def _sign_out(page):
    page.click("form.logout button")
    page.wait_for_url("**/login")


def _passkey_sign_in_refused(page, url):
    page.goto(url + "/login")
    page.click("#passkey-signin button[type=submit]")
    status = page.locator("#passkey-signin .passkey-status")
    status.wait_for(state="visible")
    assert page.url.endswith("/login")
    return status.inner_text()


def test_enrol_sign_in_revoke_and_other_origins(registers, teacher, chromium, screenshot):
    here, elsewhere = registers
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

    # Password and TOTP once, then enrol a passkey from the account settings.
    page.goto(here.public_url + "/login")
    page.fill("#login", teacher.login)
    page.fill("#password", f.PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/login/second-factor")
    page.fill("#code", pyotp.TOTP(f.TOTP_SECRETS[teacher.id]).now())
    page.click("form.card button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(here.public_url + "/account")
    page.click("text=Zarządzaj kluczami dostępu")
    page.wait_for_url("**/account/passkeys")
    page.click("#passkey-enrol button[type=submit]")  # no name yet: told, nothing created
    status = page.locator("#passkey-enrol .passkey-status")
    status.wait_for(state="visible")
    assert "nazw" in status.inner_text()
    page.fill("#passkey-name", "Laptop w pokoju nauczycielskim")
    page.click("#passkey-enrol button[type=submit]")
    page.wait_for_selector("text=Dodano klucz dostępu")
    assert "Laptop w pokoju nauczycielskim" in page.locator(".passkey-list").inner_text()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    (credential,) = credentials["credentials"]
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"
    screenshot(page, "manage-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "manage-390")
    assert _axe_violations(chromium, context, here.public_url + "/account/passkeys") == []
    page.set_viewport_size({"width": 1280, "height": 900})

    # Passwordless: the button on /login alone signs the teacher in.
    _sign_out(page)
    assert _axe_violations(chromium, context, here.public_url + "/login") == []
    page.click("#passkey-signin button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator("form.logout").count() == 1
    assert cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator}
                    )["credentials"][0]["signCount"] >= 1

    # Second factor: the password, then the passkey instead of a code.
    _sign_out(page)
    page.fill("#login", teacher.login)
    page.fill("#password", f.PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/login/second-factor")
    screenshot(page, "second-factor")
    page.click("#passkey-second-factor button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator("form.logout").count() == 1
    _sign_out(page)

    # Another origin: another register (its own RP ID: the browser has no passkey for it), and
    # this register behind another host name, as a phishing proxy would be: the browser will not
    # use the passkey for an RP ID that is not the page's (the server's origin check is the
    # second wall, tested in tests/shared/test_passkeys.py and test_passkeys.py).
    assert _passkey_sign_in_refused(page, elsewhere.public_url)
    proxied = _passkey_sign_in_refused(page, here.public_url.replace("localhost", "evil.localhost"))
    assert "nie mogła użyć klucza" in proxied
    page.goto(elsewhere.public_url + "/account")
    assert page.url.endswith("/login") or "/login?" in page.url

    # Revoke: the passkey still sits on the authenticator but the register refuses it.
    page.goto(here.public_url + "/login")
    page.click("#passkey-signin button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(here.public_url + "/account/passkeys")
    page.click(".passkey-list button.danger")
    page.wait_for_selector("text=Klucz dostępu usunięto")
    assert page.locator(".passkey-list").count() == 0
    _sign_out(page)
    message = _passkey_sign_in_refused(page, here.public_url)
    assert "nie został przyjęty" in message
    screenshot(page, "refused-after-revoke")
    assert not errors, errors
    context.close()
