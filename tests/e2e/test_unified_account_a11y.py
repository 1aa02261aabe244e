"""Every unified-account page of the IdP passes axe-core (WCAG 2.1 A/AA) on a phone and a desktop.

The IdP runs as a gunicorn process on the test database; pages with errors are
checked with their errors shown (the state most likely to break labels and
descriptions). axe-core is the copy vendored in tests/gradebook/axe/.
"""

from __future__ import annotations

import contextlib

import pytest

from shared.mailcatcher import free_port
from tests.idp.accounts_factories import PASSWORD, make_account
from tests.support.live import ROOT, ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE = ROOT / "tests" / "gradebook" / "axe" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def live_idp(idp_app, database_urls):
    port = free_port()
    proc = ServiceProcess("idp", {
        "IDP_DATABASE_URL": database_urls["idp"], "SECRET_KEY": idp_app.config["SECRET_KEY"],
        "IDP_ISSUER": f"http://127.0.0.1:{port}", "EDZ_INSTANCE_DIR": "/tmp/edz-test-instance",
        "ARGON2_TIME_COST": "2", "ARGON2_MEMORY_COST": "19456",
        "ARGON2_PARALLELISM": "1"}, port=port).start()
    yield proc
    proc.stop()


def _consent_path(idp_app) -> str:
    """A pupil waiting for consent, and the path of the link mailed to the parent."""
    from idp.accounts.models import PENDING_CONSENT
    from idp.extensions import db
    from idp.parental_consent import services
    from idp.school_link.backchannel import SchoolAccountAnswer
    from tests.idp.unified_support import link_in, outbox

    pupil = make_account("uczen@example.org", status=PENDING_CONSENT, given_name="Jaś",
                         family_name="Kowalski")
    answer = SchoolAccountAnswer("ref-u", "pupil", "Jaś Kowalski", "SP 5 Żory", "pupil-1",
                                 "Jaś Kowalski", 10)
    with idp_app.test_request_context("/"):
        services.send_request(services.create_request(pupil, answer, "mama@example.org"))
    db.session.commit()
    return link_in(outbox(idp_app, "mama@example.org")[-1], "/consent/")


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")


def test_unified_account_pages_pass_axe(live_idp, idp_app, chromium):
    make_account("ola@example.org", links=[("ref-p", "parent", "pupil-1")])
    consent = _consent_path(idp_app)
    public = {"login": "/login", "register": "/register", "resend": "/register/resend",
              "recovery": "/recovery", "terms": "/terms", "consent": consent}
    private = {"account": "/account", "children": "/account/school-accounts",
               "email": "/account/email", "password": "/account/password",
               "two-factor": "/account/two-factor", "apps": "/account/apps",
               "activity": "/account/activity", "delete": "/account/delete"}
    problems = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    with contextlib.nullcontext(chromium) as browser:  # one Playwright per test process
        for size, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport, locale="pl-PL", bypass_csp=True)
            page = context.new_page()
            for name, path in public.items():
                page.goto(live_idp.url + path)
                if name in ("register", "login", "consent"):
                    # Submit empty: the page comes back with its errors.
                    with page.expect_navigation():
                        page.click("main form:last-of-type button[type=submit]")
                problems.update({f"{name}/{size}": v for v in [_axe(page)] if v})
                page.screenshot(path=str(SHOTS / f"unified-a11y-{name}-{size}.png"),
                                full_page=True)
            page.goto(live_idp.url + "/login")
            page.fill('input[name="email"]', "ola@example.org")
            page.fill('input[name="password"]', PASSWORD)
            with page.expect_navigation():
                page.click("main form button[type=submit]")
            for name, path in private.items():
                page.goto(live_idp.url + path)
                problems.update({f"{name}/{size}": v for v in [_axe(page)] if v})
                page.screenshot(path=str(SHOTS / f"unified-a11y-{name}-{size}.png"),
                                full_page=True)
            context.close()
    assert problems == {}
