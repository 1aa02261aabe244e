"""In a real browser: the first sign-in with the password from a letter, at phone width.

The live password hint (a static script, allowed by the CSP) marks each rule while
the person types; no CSP violation or script error is reported; the page does not
scroll sideways on a phone; axe-core finds no WCAG 2.1 A/AA violation.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from tests.gradebook import accounts_factories as f
from tests.support.live import ROOT, ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE = Path(__file__).parent / "axe" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture
def issued_parent(gradebook_app):
    school = f.make_school("Szkoła Podstawowa nr 5 w Żorach")
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school, "1a"), first="Łucja"))
    password = f.issue(parent)
    f.commit()
    return parent.login, password


@pytest.fixture
def live_gradebook(database_urls, gradebook_app):
    proc = ServiceProcess("gradebook", {
        "GRADEBOOK_DATABASE_URL": database_urls["gradebook"], "FLASK_DEBUG": "0",
        "SECRET_KEY": gradebook_app.config["SECRET_KEY"],
        "EDZ_INSTANCE_DIR": "/tmp/edz-test-instance", "ARGON2_TIME_COST": "2",
        "ARGON2_MEMORY_COST": "19456", "ARGON2_PARALLELISM": "1"})
    proc.start()
    yield proc
    proc.stop()


def _rules(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        "#new-password-rules [data-rule]",
        "items => Object.fromEntries(items.map(i => [i.dataset.rule, i.className]))")


def test_first_sign_in_in_a_phone_browser(live_gradebook, issued_parent, chromium):
    login, password = issued_parent
    problems: list[str] = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    with contextlib.nullcontext(chromium) as browser:  # one Playwright per test process
        context = browser.new_context(viewport={"width": 375, "height": 760}, locale="pl-PL")
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text)
                if m.type == "error" and "Failed to load resource" not in m.text else None)
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(live_gradebook.url + "/")
        assert page.url.endswith("/login")
        page.fill("#login", login)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/first-login")
        assert "Witamy w e-dzienniku" in page.content()
        page.fill("#new_password", "abc")
        rules = _rules(page)
        assert "rule-missing" in rules["length"] and "rule-missing" in rules["upper"]
        page.fill("#new_password", "Zielony7Kasztan!")
        rules = _rules(page)
        assert all("rule-ok" in rules[r] for r in ("length", "upper", "lower", "digit"))
        assert "rule-missing" in rules["discouraged"]  # warned about "!"
        page.fill("#new_password", "Zielony7Kasztan")
        assert "rule-ok" in _rules(page)["discouraged"]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, "the first-login page scrolls sideways on a phone"
        if AXE.exists():  # axe is injected inline: in a second tab of the same session, CSP off
            audit = browser.new_context(bypass_csp=True, storage_state=context.storage_state(),
                                        viewport={"width": 375, "height": 760}, locale="pl-PL")
            apage = audit.new_page()
            apage.goto(live_gradebook.url + "/first-login")
            apage.add_script_tag(path=str(AXE))
            result = apage.evaluate(
                "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']}))"
                ".violations.map(v => v.id + ': ' + v.nodes.length)")
            assert result == [], result
            audit.close()
        page.screenshot(path=str(SHOTS / "first-login-phone.png"), full_page=True)
        page.fill("#new_password_confirm", "Zielony7Kasztan")
        page.check("#accept_terms")
        page.click("form.card button[type=submit]")
        page.wait_for_load_state()
        assert "/first-login" not in page.url
        assert "Dziękujemy. Twoje konto jest gotowe." in page.content()
        page.screenshot(path=str(SHOTS / "after-first-login-phone.png"), full_page=True)
    assert problems == []
