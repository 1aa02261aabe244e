"""The example third-party app (examples/lunch_app) end to end: the IdP, the gradebook and the
app as real processes; a parent signs in through the IdP, allows ``timetable:read`` on the
consent page and sees the child's timetable, read by the app through the API."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pytest
import requests

from gradebook_service.extensions import db as gradebook_db
from gradebook_service.timetable.models import TimetableChange
from shared.mailcatcher import free_port
from tests.gradebook.register_factories import build_school
from tests.idp.accounts_factories import make_account
from tests.support.live import LOG_DIR, ServiceProcess

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "lunch.parent@example.org"
PASSWORD = "Obiadowy7Dom"


def _hidden(html: str) -> dict:
    return {unescape(n): unescape(v) for n, v in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)}


class LunchApp:
    """examples/lunch_app under gunicorn."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = open(LOG_DIR / f"lunch-{self.port}.log", "wb")  # noqa: SIM115 - process life
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT / "examples" / "lunch_app"),
             "--workers", "1", "--threads", "2", "--bind", f"127.0.0.1:{self.port}",
             "app:create_app()"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the lunch app exited"
            try:
                if requests.get(self.url + "/", timeout=1).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        raise RuntimeError("the lunch app did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def system(database_urls, gradebook_app, idp_app):
    """IdP, gradebook and the lunch app as processes; the lunch app registered as a third party."""
    import os

    idp_port, gb_port = free_port(), free_port()
    issuer, gb_url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{gb_port}"
    common = {"IDP_ISSUER": issuer, "GRADEBOOK_URL": gb_url, "FLASK_DEBUG": "0",
              "EDZ_INSTANCE_DIR": "/tmp/edz-test-instance",
              "ARGON2_TIME_COST": "2", "ARGON2_MEMORY_COST": "19456", "ARGON2_PARALLELISM": "1"}
    idp = ServiceProcess("idp", {**common, "SECRET_KEY": "lunch-test-idp-secret",
                                 "IDP_DATABASE_URL": database_urls["idp"]}, port=idp_port)
    gradebook_client = json.loads(idp.flask(
        "clients", "create", "--name", "E-dziennik", "--first-party", "--client-id", "gradebook",
        "--redirect-uri", gb_url + "/auth/callback").stdout)
    lunch_port = free_port()
    lunch_client = json.loads(idp.flask(
        "clients", "create", "--name", "Stołówka", "--client-id", "stolowka",
        "--redirect-uri", f"http://127.0.0.1:{lunch_port}/callback",
        "--scope", "openid timetable:read").stdout)
    idp.start()
    gradebook = ServiceProcess("gradebook", {
        **common, "SECRET_KEY": "lunch-test-gradebook-secret",
        "GRADEBOOK_DATABASE_URL": database_urls["gradebook"],
        "GRADEBOOK_OIDC_CLIENT_ID": gradebook_client["client_id"],
        "GRADEBOOK_OIDC_CLIENT_SECRET": gradebook_client["client_secret"],
        "API_TOKEN_INTROSPECTION": "1"}, port=gb_port).start()
    env = {**os.environ, "LUNCH_IDP_ISSUER": issuer, "LUNCH_API_URL": gb_url,
           "LUNCH_CLIENT_ID": lunch_client["client_id"],
           "LUNCH_CLIENT_SECRET": lunch_client["client_secret"],
           "LUNCH_SECRET_KEY": "lunch-test-secret"}
    lunch = LunchApp(env, lunch_port)
    yield idp, gradebook, lunch
    lunch.stop()
    gradebook.stop()
    idp.stop()


def _family(gradebook_app, idp_app):
    """A school whose year covers today, a pupil with this week's first lesson cancelled, and
    the parent's unified account linked to the parent's school login."""
    with gradebook_app.app_context():
        world = build_school("SP Stołówka")
        today = date.today()
        monday = today - timedelta(days=today.weekday())
        world.year.starts_on, world.year.ends_on = monday - timedelta(days=60), monday + timedelta(
            days=200)
        world.term1.starts_on, world.term1.ends_on = world.year.starts_on, monday + timedelta(days=60)
        world.term2.starts_on, world.term2.ends_on = monday + timedelta(days=61), world.year.ends_on
        gradebook_db.session.add(TimetableChange(
            school_id=world.school.id, class_id=world.classes["1a"].id, date=monday,
            period_number=1, kind="cancellation"))
        gradebook_db.session.commit()
        pupil = world.pupils["1a"][0]
        parent = world.parent_accounts[pupil.id]
        refs = (parent.ref, pupil.ref, pupil.full_name)
    with idp_app.app_context():
        make_account(EMAIL, PASSWORD, links=[(refs[0], "parent", refs[1])])
    return refs[2], monday


def test_a_parent_signs_in_allows_timetable_and_sees_the_week(system, gradebook_app, idp_app):
    idp, gradebook, lunch = system
    child, monday = _family(gradebook_app, idp_app)
    browser = requests.Session()
    assert "Zaloguj się z E-dziennikiem" in browser.get(lunch.url + "/").text
    # The app sends the parent to the IdP (PKCE, state, nonce; the scope it needs).
    start = browser.get(lunch.url + "/login", allow_redirects=False)
    authorize = start.headers["Location"]
    assert authorize.startswith(idp.url + "/oauth/authorize")
    for part in ("code_challenge_method=S256", "state=", "nonce=", "scope=openid+timetable%3Aread"):
        assert part in authorize, part
    login = browser.get(authorize)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.text).group(1)
    consent = browser.post(login.url, data={"csrf_token": csrf, "email": EMAIL,
                                            "password": PASSWORD})
    # A third-party app: the IdP asks, in Polish, for the timetable only.
    assert consent.url.startswith(idp.url) and 'data-scope="timetable:read"' in consent.text
    assert "Stołówka" in consent.text and "plan lekcji" in consent.text
    assert 'data-scope="grades:read"' not in consent.text
    fields = _hidden(consent.text)
    fields["consent_decision"] = "allow"
    page = browser.post(idp.url + "/oauth/authorize", data=fields)
    # Back in the app: the child's week, read through the API with the access token.
    assert page.url.startswith(lunch.url), page.url
    assert page.status_code == 200, page.text[-2000:]
    assert child in page.text and "klasa 1a" in page.text
    assert monday.strftime("%d.%m.%Y") in page.text
    assert "Matematyka" in page.text and "odwołana" in page.text
    assert "obiad po" in page.text
    # Signing out of the app forgets the token.
    signed_out = browser.post(lunch.url + "/logout")
    assert "Zaloguj się z E-dziennikiem" in signed_out.text
