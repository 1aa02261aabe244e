"""``deploy/up`` brings up the production layout, and it answers through the balancer.

Runs the real command (nginx, a private Redis, databases of its own in the machine's
PostgreSQL, two gunicorn processes per service, the mail catcher) on a block of free
ports, then, through nginx only: a parent signs in with the school login; another
parent registers a unified account at the IdP with the school login (the IdP checks it
at the gradebook over the back-channel, through the balancer), activates it from the
mailed link and signs in to the register through the IdP. Each process's access log
must show requests (the balancer spreads them), the credential check must have gone to
the back-channel's own process and nowhere else, and ``deploy/down --purge`` stops
every process and drops the databases.

Skips, saying why, when nginx or redis-server is missing and cannot be installed
(not root), or when no PostgreSQL answers at ``EDZ_DEPLOY_PG_ADMIN``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from html import unescape
from pathlib import Path

import pytest
import requests

pytestmark = [pytest.mark.slow,
              pytest.mark.one_backend("deploy/up uses the machine's PostgreSQL whatever --db says")]

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = os.environ.get("EDZ_DEPLOY_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
OWN_PASSWORD = "Wrzesien-Rano-2026"


def _missing_packages() -> list[str]:
    return [binary for binary in ("nginx", "redis-server")
            if not (shutil.which(binary) or Path("/usr/sbin", binary).exists())]


def _free_block(size: int = 25) -> int:
    """A base port whose ``size`` ports are all free on loopback."""
    for _ in range(200):
        base = secrets.randbelow(20000) + 30000
        ok = True
        for port in range(base, base + size):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free block of ports")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, html[:1500]
    return match.group(1)


def _form_action(html: str, default: str) -> str:
    match = re.search(r'<form[^>]*method="post"[^>]*action="([^"]*)"', html)
    return unescape(match.group(1)) if match and match.group(1) else default


@pytest.fixture
def layout(tmp_path):
    missing = _missing_packages()
    if missing and os.geteuid() != 0:
        pytest.skip(f"{', '.join(missing)} not installed and not root to apt-get install them "
                    "(Debian: nginx-light, redis-server)")
    import psycopg

    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError:
        pytest.skip(f"no PostgreSQL at {PG_ADMIN} for the layout's databases (EDZ_DEPLOY_PG_ADMIN)")
    env = {**os.environ, "EDZ_DEPLOY_NAME": f"edz_smoke_{secrets.token_hex(4)}",
           "EDZ_DEPLOY_STATE": str(tmp_path / "state"), "EDZ_DEPLOY_PORT_BASE": str(_free_block())}
    started = subprocess.run([str(ROOT / "deploy" / "up")], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=240)
    try:
        assert started.returncode == 0, started.stderr[-3000:] + started.stdout[-2000:]
        assert "gradebook (via nginx): http://127.0.0.1:" in started.stdout
        info = json.loads((tmp_path / "state" / "state.json").read_text())
        info["people"] = json.loads(Path(info["people_file"]).read_text())
        yield info
    finally:
        stopped = subprocess.run([str(ROOT / "deploy" / "down"), "--purge"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
        assert stopped.returncode == 0, stopped.stderr
    assert not (tmp_path / "state").exists()
    for port in (info["ports"]["gradebook"], *info["ports"]["idp_processes"],
                 *info["ports"]["gradebook_internal_processes"]):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers after down"


def _requests_in(log: Path) -> int:
    """Access-log lines (gunicorn's format: ``127.0.0.1 - - [date] "GET / HTTP/1.0" 200 …``)."""
    return sum(1 for line in log.read_text(errors="replace").splitlines() if '" 200 ' in line
               or '" 302 ' in line or '" 303 ' in line)


def _school_sign_in(gradebook_url: str, person: dict) -> requests.Session:
    browser = requests.Session()
    page = browser.get(gradebook_url + "/login")
    assert page.status_code == 200
    done = browser.post(gradebook_url + "/login", data={
        "csrf_token": _csrf(page.text), "login": person["login"], "password": person["password"]})
    assert done.status_code == 200, done.text[:1000]
    return browser


def _wait_for_mail(mail_url: str, address: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = requests.get(mail_url + "/api/messages", timeout=5).json()
        for mail in mails:
            if address in mail["to"]:
                return mail["text"]
        time.sleep(0.3)
    raise AssertionError(f"no mail to {address} within {timeout} s")


def test_up_serves_both_services_through_the_balancer_on_two_processes_each(layout):
    gradebook, idp = layout["gradebook_url"], layout["idp_url"]
    parents = [p for p in layout["people"] if p["role"] == "parent" and not p["must_change_password"]]
    assert len(parents) >= 2, layout["people"]

    # A parent signs in with the school login in two browsers and reads the family page:
    # the balancer spreads the requests, and a session made on one process is honoured
    # on the other (the page shows the child, not the sign-in form).
    for _browser in range(2):
        browser = _school_sign_in(gradebook, parents[1])
        for _ in range(3):
            page = browser.get(gradebook + "/family/")
            assert page.status_code == 200 and parents[1]["pupil"] in page.text, page.url

    # A parent registers a unified account with the school login (the IdP asks the
    # gradebook over the back-channel, through the balancer), activates it from the mail …
    parent = parents[0]
    email = f"rodzic.{secrets.token_hex(3)}@example.org"
    browser = requests.Session()
    form = browser.get(idp + "/register")
    assert form.status_code == 200
    registered = browser.post(idp + "/register", data={
        "csrf_token": _csrf(form.text), "email": email, "password": OWN_PASSWORD,
        "password_confirm": OWN_PASSWORD, "school_login": parent["login"],
        "school_password": parent["password"], "accept_terms": "y"})
    assert registered.status_code == 200, registered.text[:1500]
    link = re.search(r"(http://\S+/activate/\S+)", _wait_for_mail(layout["mail_url"], email)).group(1)
    assert link.startswith(idp), link
    page = browser.get(link)
    activated = browser.post(_form_action(page.text, link), data={"csrf_token": _csrf(page.text)})
    assert activated.status_code == 200, activated.text[:1500]

    # … and signs in to the register through the IdP (code flow over the balancer).
    login_page = browser.get(gradebook + "/auth/sso")
    assert login_page.url.startswith(idp + "/login"), login_page.url
    done = browser.post(login_page.url, data={"csrf_token": _csrf(login_page.text),
                                              "email": email, "password": OWN_PASSWORD})
    assert done.url.startswith(gradebook), done.url
    family = browser.get(gradebook + "/family/")
    assert family.status_code == 200 and parent["pupil"] in family.text, family.url

    logs = Path(layout["logs"])
    labels = [f"{service}-{i}" for service in ("idp", "gradebook") for i in (1, 2)]
    counts = {label: _requests_in(logs / f"{label}.log") for label in labels}
    assert all(count > 0 for count in counts.values()), counts
    # The back-channel's credential check reached its own process, and only that one:
    # the page processes never served it, the back-channel process served nothing else.
    internal = (logs / "gradebook-internal-1.log").read_text(errors="replace")
    assert re.search(r'"POST /internal/v1/school-accounts/verify HTTP/1\.[01]" 200 ', internal), internal
    assert all(" /internal/" in line or " /healthz " in line  # deploy/up's readiness probe
               for line in internal.splitlines() if '" 200 ' in line)
    for i in (1, 2):
        assert "/internal/" not in (logs / f"gradebook-{i}.log").read_text(errors="replace")
    errors = [line for label in [*labels, "gradebook-internal-1"]
              for line in (logs / f"{label}.log").read_text(errors="replace").splitlines()
              if re.search(r'" 5\d\d ', line)]
    assert errors == []
