"""Sign-in to the gradebook through the IdP ("Zaloguj się z KONTEM") with real processes.

The IdP and the gradebook run as gunicorn processes on loopback; the gradebook is a
confidential first-party client (code flow + PKCE, state, nonce). A mother of two
children, whose unified account links both her parent logins, signs in once,
switches between the children from the header, and signs out of both services.
"""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import urlparse

import pytest
import requests

from shared.mailcatcher import free_port
from tests.support.live import ServiceProcess

pytestmark = pytest.mark.slow

PASSWORD = "Rodzinny7Dom"
EMAIL = "magda.sso@example.org"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def _form_action(html: str) -> str | None:
    match = re.search(r'<form[^>]*method="post"[^>]*action="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


@pytest.fixture
def live_pair(database_urls, gradebook_app, idp_app):
    """Both services as processes, the gradebook registered as the IdP's client."""
    idp_port, gb_port = free_port(), free_port()
    issuer, gb_url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{gb_port}"
    common = {"IDP_ISSUER": issuer, "GRADEBOOK_URL": gb_url, "FLASK_DEBUG": "0",
              "EDZ_INSTANCE_DIR": "/tmp/edz-test-instance",
              "ARGON2_TIME_COST": "2", "ARGON2_MEMORY_COST": "19456", "ARGON2_PARALLELISM": "1"}
    idp = ServiceProcess("idp", {**common, "SECRET_KEY": "sso-test-idp-secret",
                                 "IDP_DATABASE_URL": database_urls["idp"],
                                 "GRADEBOOK_DATABASE_URL": database_urls["gradebook"]},
                         port=idp_port)
    created = idp.flask("clients", "create", "--name", "E-dziennik", "--first-party",
                        "--client-id", "gradebook", "--redirect-uri", gb_url + "/auth/callback",
                        "--post-logout-redirect-uri", gb_url + "/", check=False)
    assert created.returncode == 0, created.stderr[-3000:]
    client = json.loads(created.stdout)
    idp.flask("accounts", "create", "--email", EMAIL, "--password", PASSWORD)
    idp.start()
    gradebook = ServiceProcess("gradebook", {
        **common, "SECRET_KEY": "sso-test-gradebook-secret",
        "GRADEBOOK_DATABASE_URL": database_urls["gradebook"],
        "GRADEBOOK_OIDC_CLIENT_ID": client["client_id"],
        "GRADEBOOK_OIDC_CLIENT_SECRET": client["client_secret"]}, port=gb_port)
    gradebook.start()
    yield idp, gradebook
    gradebook.stop()
    idp.stop()


def _family(gradebook_app):
    """A mother with one parent login per child (both ready: terms accepted)."""
    from tests.gradebook import accounts_factories as f

    with gradebook_app.app_context():
        school = f.make_school("Szkoła Podstawowa nr 5 w Żorach")
        first = f.make_family(f.make_class(school, "1a"), first="Tymon", last="Wiśniewski")
        mother = first.guardianships[0].guardian
        second = f.make_family(f.make_class(school, "4a"), first="Marianna", last="Wiśniewska",
                               guardian_objs=[mother])
        accounts = [f.parent_accounts(first)[0], f.parent_accounts(second)[0]]
        for account in accounts:
            f.make_ready(account)
        f.commit()
        return [(a.ref, a.login) for a in accounts]


def _link(idp_app, refs):
    """Store the links the IdP's registration would have made (verified school accounts)."""
    from idp.accounts.models import Account, SchoolAccountLink
    from idp.extensions import db

    account = db.session.execute(db.select(Account).where(Account.email == EMAIL)).scalar_one()
    for ref, child in zip(refs, ("Tymon Wiśniewski", "Marianna Wiśniewska"), strict=True):
        columns = {c.name for c in SchoolAccountLink.__table__.columns}
        values = {"account_id": account.id, "ref": ref, "role": "parent",
                  "display_name": "Magdalena Wiśniewska",
                  "school": "Szkoła Podstawowa nr 5 w Żorach"}
        if "pupil_display_name" in columns:
            values["pupil_display_name"] = child
        for name in ("pupil_ref",):
            if name in columns:
                values[name] = ref + "-pupil"
        if "pupil_age" in columns:
            values["pupil_age"] = 9
        db.session.add(SchoolAccountLink(**values))
    db.session.commit()


def test_parent_of_two_signs_in_switches_children_and_signs_out(live_pair, gradebook_app,
                                                                idp_app):
    idp, gradebook = live_pair
    refs = _family(gradebook_app)
    _link(idp_app, [ref for ref, _ in refs])
    browser = requests.Session()
    # The login page offers the IdP.
    page = browser.get(gradebook.url + "/login").text
    assert "/auth/sso" in page
    # Start: the gradebook sends us to the IdP with PKCE, state and nonce.
    start = browser.get(gradebook.url + "/auth/sso", allow_redirects=False)
    authorize = start.headers["Location"]
    assert authorize.startswith(idp.url)
    for param in ("code_challenge=", "code_challenge_method=S256", "state=", "nonce=",
                  "client_id=gradebook"):
        assert param in authorize
    login_page = browser.get(authorize)
    assert urlparse(login_page.url).path == "/login"
    done = browser.post(login_page.url, data={"csrf_token": _csrf(login_page.text),
                                              "email": EMAIL, "password": PASSWORD})
    # Through authorize and the callback, back in the gradebook, signed in as the first child.
    assert done.url.startswith(gradebook.url), done.url
    home = browser.get(gradebook.url + "/account")
    assert home.status_code == 200 and refs[0][1] in home.text
    assert "Tymon Wiśniewski" in home.text and "Marianna Wiśniewska" in home.text  # switcher
    # Switch to the second child.
    switched = browser.post(gradebook.url + "/account/switch", data={
        "csrf_token": _csrf(home.text), "account": refs[1][0], "next": "/account"})
    assert switched.status_code == 200
    assert refs[1][1] in browser.get(gradebook.url + "/account").text
    # A ref that is not linked to this session is refused.
    page = browser.get(gradebook.url + "/account").text
    refused = browser.post(gradebook.url + "/account/switch", data={
        "csrf_token": _csrf(page), "account": "not-a-linked-ref"})
    assert refused.status_code == 404
    # Sign out: the gradebook session ends and so does the IdP's (RP-initiated logout).
    page = browser.get(gradebook.url + "/account").text
    out = browser.post(gradebook.url + "/logout", data={"csrf_token": _csrf(page)})
    # The answer is a page leading on to the IdP (a redirect would break the CSP's form-action).
    onward = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', out.text)
    assert onward and unescape(onward.group(1)).startswith(idp.url + "/oauth/logout?")
    out = browser.get(unescape(onward.group(1)))
    if out.url.startswith(idp.url) and _form_action(out.text):  # a confirmation page
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', out.text))
        fields["confirm"] = "1"
        out = browser.post(idp.url + urlparse(_form_action(out.text)).path
                           if _form_action(out.text).startswith("/") else _form_action(out.text),
                           data=fields)
    assert out.url.startswith(gradebook.url + "/login"), out.url
    assert browser.get(gradebook.url + "/account", allow_redirects=False).status_code == 302
    again = browser.get(gradebook.url + "/auth/sso")
    assert urlparse(again.url).path == "/login" and again.url.startswith(idp.url)


def test_unlinked_account_is_told_so(live_pair, gradebook_app):
    idp, gradebook = live_pair
    browser = requests.Session()
    login_page = browser.get(gradebook.url + "/auth/sso")
    done = browser.post(login_page.url, data={"csrf_token": _csrf(login_page.text),
                                              "email": EMAIL, "password": PASSWORD})
    assert done.url.startswith(gradebook.url + "/login")
    assert browser.get(gradebook.url + "/account", allow_redirects=False).status_code == 302
