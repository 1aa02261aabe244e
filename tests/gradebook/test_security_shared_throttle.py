"""Throttle counters are shared by every process of a deployment, without Redis (issue 11.5).

Two gunicorn workers serve the register on one database and no REDIS_URL. With counters
in each worker's memory the lock came only after about twice the allowed failures and a
locked account still signed in through the other worker; with the counters in the
database the fifth failure locks the account for unknown browsers in every worker.
"""

import re

import pytest
import requests

from tests.gradebook import accounts_factories as f
from tests.support.live import ServiceProcess

pytestmark = pytest.mark.slow


def _attempt(url: str, login: str, password: str) -> int:
    """One sign-in from a new, unknown browser (a fresh cookie jar and connection)."""
    with requests.Session() as browser:
        page = browser.get(url + "/login", timeout=20)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        return browser.post(url + "/login", data={"csrf_token": token, "login": login,
                                                  "password": password},
                            allow_redirects=False, timeout=20).status_code


def test_two_workers_share_the_counters_without_redis(gradebook_app, database_urls, tmp_path,
                                                      monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    school = f.make_school()
    parent = f.parent_accounts(f.make_family(f.make_class(school)))[0]
    f.make_ready(parent)
    f.commit()
    limit = int(gradebook_app.config["THROTTLE_PER_ACCOUNT"].split()[0])
    proc = ServiceProcess("gradebook", {
        "GRADEBOOK_DATABASE_URL": database_urls["gradebook"], "SECRET_KEY": "throttle-test-secret",
        "EDZ_INSTANCE_DIR": str(tmp_path), "RATELIMIT_STORAGE_URI": "memory://",
        "THROTTLE_PER_ACCOUNT": gradebook_app.config["THROTTLE_PER_ACCOUNT"]}, workers=2).start()
    try:
        statuses = [_attempt(proc.url, parent.login, "Zgaduje123") for _ in range(limit)]
        assert statuses == [401] * limit
        # Locked in every worker: each new connection may land on either, none lets it in.
        for _ in range(6):
            assert _attempt(proc.url, parent.login, f.PASSWORD) == 401
    finally:
        proc.stop()
