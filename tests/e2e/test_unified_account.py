"""The unified account end to end ("Przeglądaj wygodnie", issue 5) in a real browser.

Both services run as gunicorn processes on loopback; the IdP delivers its mail
to a real SMTP server (aiosmtpd) through its outbox; headless Chromium plays
the people. Screenshots go to ``test-artifacts/screenshots/``.

* A parent registers with the school login from the welcome letter, activates
  the account from the mailed link, and signs in to the gradebook through the
  IdP, where they see their child.
* A pupil registers with a parent's address, activates, cannot sign in yet; the
  parent consents with their parent school login; the pupil signs in.
* A pupil who gives their own second address cannot complete the consent.
"""

from __future__ import annotations

import json

import pytest

from shared.mailcatcher import free_port
from tests.support.live import ROOT, ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = ROOT / "test-artifacts" / "screenshots"
SCHOOL_PASSWORD = "Spokojny7Las"  # tests.gradebook.accounts_factories.PASSWORD
OWN_PASSWORD = "Wygodne8Konto"
SCHOOL = "Szkoła Podstawowa nr 5 w Żorach"


@pytest.fixture
def system(database_urls, idp_app, gradebook_app, smtp_server):
    """The IdP and the gradebook as processes; the IdP mails through ``smtp_server``."""
    idp_port, gb_port = free_port(), free_port()
    common = {"IDP_ISSUER": f"http://127.0.0.1:{idp_port}",
              "GRADEBOOK_URL": f"http://127.0.0.1:{gb_port}", "FLASK_DEBUG": "0",
              "EDZ_INSTANCE_DIR": "/tmp/edz-test-instance", "ARGON2_TIME_COST": "2",
              "ARGON2_MEMORY_COST": "19456", "ARGON2_PARALLELISM": "1"}
    idp = ServiceProcess("idp", {**common, "SECRET_KEY": "e2e-unified-idp-secret",
                                 "IDP_DATABASE_URL": database_urls["idp"],
                                 "MAIL_SERVER": "127.0.0.1",
                                 "MAIL_PORT": str(smtp_server.smtp_port),
                                 "MAIL_BACKGROUND_SENDER": "1"}, port=idp_port)
    created = idp.flask("clients", "create", "--name", "E-dziennik", "--first-party",
                        "--client-id", "gradebook", "--redirect-uri",
                        common["GRADEBOOK_URL"] + "/auth/callback",
                        "--post-logout-redirect-uri", common["GRADEBOOK_URL"] + "/login",
                        check=False)
    assert created.returncode == 0, created.stderr[-3000:]
    client = json.loads(created.stdout)
    idp.start()
    gradebook = ServiceProcess("gradebook", {
        **common, "SECRET_KEY": gradebook_app.config["SECRET_KEY"],
        "GRADEBOOK_DATABASE_URL": database_urls["gradebook"],
        "GRADEBOOK_OIDC_CLIENT_ID": client["client_id"],
        "GRADEBOOK_OIDC_CLIENT_SECRET": client["client_secret"]}, port=gb_port)
    try:
        gradebook.start()
        yield idp, gradebook
    finally:
        gradebook.stop()
        idp.stop()


@pytest.fixture
def family(gradebook_app):
    """A pupil (7 years old) with a parent; both school logins ready (own password, terms)."""
    from tests.gradebook import accounts_factories as f

    with gradebook_app.app_context():
        school = f.make_school(SCHOOL)
        pupil = f.make_family(f.make_class(school, "2b"), first="Tymon", last="Wiśniewski")
        parent = f.parent_accounts(pupil)[0]
        child = f.pupil_account(pupil)
        for account in (parent, child):
            f.make_ready(account, password=SCHOOL_PASSWORD)
        f.commit()
        return {"parent_login": parent.login, "pupil_login": child.login,
                "pupil_name": pupil.full_name}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"unified-{name}.png"), full_page=True)


def mail_link(smtp_server, recipient: str, path: str, after: int = 0) -> str:
    """The first link to ``path`` in the newest mail to ``recipient`` (waits for it)."""
    mail = smtp_server.wait_for(
        lambda m: recipient in m.recipients and any(path in link for link in m.links())
        and smtp_server.mails.index(m) >= after, timeout=20)
    return next(link for link in mail.links() if path in link)


def submit(page, selector: str) -> None:
    """Click ``selector`` and wait until the page it leads to (after redirects) has loaded."""
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state()


def register(page, idp_url: str, *, email: str, login: str, parent_email: str = "") -> None:
    page.goto(idp_url + "/register")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', OWN_PASSWORD)
    page.fill('input[name="password_confirm"]', OWN_PASSWORD)
    page.fill('input[name="school_login"]', login)
    page.fill('input[name="school_password"]', SCHOOL_PASSWORD)
    if parent_email:
        page.fill('input[name="parent_email"]', parent_email)
    page.check('input[name="accept_terms"]')
    submit(page, 'main form button[type="submit"]')


def activate(page, link: str) -> None:
    page.goto(link)
    submit(page, 'main form button[type="submit"]')


def sso_sign_in(page, gradebook_url: str, email: str) -> None:
    """Start at the gradebook's login page, choose the unified account, sign in at the IdP."""
    page.goto(gradebook_url + "/login")
    submit(page, 'a[href*="/auth/sso"]')
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', OWN_PASSWORD)
    submit(page, 'main form button[type="submit"]')


def test_parent_registers_activates_and_sees_their_child_in_the_gradebook(
        system, chromium, smtp_server, family):
    idp, gradebook = system
    page = chromium.new_context(viewport={"width": 390, "height": 844}, locale="pl-PL").new_page()
    register(page, idp.url, email="ewa.wisniewska@example.org", login=family["parent_login"])
    assert page.locator("main h1").inner_text() == "Sprawdź pocztę", page.locator("main").inner_text()
    shot(page, "parent-1-registered")
    link = mail_link(smtp_server, "ewa.wisniewska@example.org", "/activate/")
    activate(page, link)
    assert page.locator("main h1").inner_text() == "Twoje konto jest aktywne"
    shot(page, "parent-2-activated")
    sso_sign_in(page, gradebook.url, "ewa.wisniewska@example.org")
    assert page.url.startswith(gradebook.url), page.locator("main").inner_text()
    assert family["pupil_name"] in page.content()
    shot(page, "parent-3-gradebook")


def test_pupil_waits_for_parent_who_consents_with_school_login(
        system, chromium, smtp_server, family):
    idp, gradebook = system
    pupil = chromium.new_context(viewport={"width": 390, "height": 844},
                                 locale="pl-PL").new_page()
    register(pupil, idp.url, email="tymon@example.org", login=family["pupil_login"],
             parent_email="ewa.wisniewska@example.org")
    activate(pupil, mail_link(smtp_server, "tymon@example.org", "/activate/"))
    assert "rodzica" in pupil.locator("main").inner_text()
    shot(pupil, "pupil-1-activated")
    # Not yet: the IdP explains that the parent's consent is missing.
    sso_sign_in(pupil, gradebook.url, "tymon@example.org")
    assert pupil.url.startswith(idp.url)
    assert pupil.locator("#account-status").is_visible()
    assert "Czekamy na zgodę rodzica" in pupil.locator("#account-status").inner_text()
    shot(pupil, "pupil-2-waiting")
    # The parent opens the mailed link and agrees, proving it with the parent login.
    consent_link = mail_link(smtp_server, "ewa.wisniewska@example.org", "/consent/")
    parent = chromium.new_context(viewport={"width": 1280, "height": 900},
                                  locale="pl-PL").new_page()
    parent.goto(consent_link)
    assert family["pupil_name"] in parent.content() and SCHOOL in parent.content()
    parent.fill('input[name="school_login"]', family["parent_login"])
    parent.fill('input[name="school_password"]', SCHOOL_PASSWORD)
    shot(parent, "pupil-3-consent-page")
    submit(parent, 'button[name="decision"][value="accept"]')
    assert parent.locator("main h1").inner_text() == "Dziękujemy"
    shot(parent, "pupil-4-consent-given")
    smtp_server.wait_for(lambda m: "tymon@example.org" in m.recipients
                         and "Rodzic wyraził zgodę" in m.subject, timeout=20)
    # Now the pupil signs in to the gradebook with the unified account.
    sso_sign_in(pupil, gradebook.url, "tymon@example.org")
    assert pupil.url.startswith(gradebook.url), pupil.url
    assert family["pupil_name"] in pupil.content()
    shot(pupil, "pupil-5-gradebook")


def test_pupil_giving_their_own_second_address_cannot_complete_consent(
        system, chromium, smtp_server, family):
    idp, gradebook = system
    page = chromium.new_context(viewport={"width": 390, "height": 844}, locale="pl-PL").new_page()
    register(page, idp.url, email="tymon@example.org", login=family["pupil_login"],
             parent_email="tymon.drugi@example.org")
    activate(page, mail_link(smtp_server, "tymon@example.org", "/activate/"))
    # The "parent's" mail arrives in the pupil's own second mailbox …
    page.goto(mail_link(smtp_server, "tymon.drugi@example.org", "/consent/"))
    # … but the pupil's own login does not prove parenthood.
    page.fill('input[name="school_login"]', family["pupil_login"])
    page.fill('input[name="school_password"]', SCHOOL_PASSWORD)
    submit(page, 'button[name="decision"][value="accept"]')
    assert page.locator("#school_login-errors").is_visible()
    shot(page, "self-consent-refused")
    # Still blocked.
    sso_sign_in(page, gradebook.url, "tymon@example.org")
    assert page.url.startswith(idp.url)
    assert page.locator("#account-status").is_visible()
