"""A worker that serves ordinary pages never loads the heavy feature libraries (issue 16).

fpdf, pywebpush, webauthn, Authlib's Flask client, holidays and Flask-Migrate (Alembic)
together cost a worker well over 50 MiB; they are imported where their feature runs
(letters and PDFs, push delivery, passkey ceremonies, SSO sign-in, school-year
calendars, migrations: shared/migrate.py). Whether a
library is loaded is only visible in a fresh interpreter (this test process has
imported everything), so each check runs the service in a subprocess against the
test's own database and session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gradebook import accounts_factories as f

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["fpdf", "pywebpush", "webauthn", "authlib.integrations.flask_client", "holidays",
         "flask_migrate", "alembic"]
#: Also not loaded by the register's family pages (the IdP needs them for its own work):
#: the token verifier's HTTP client and JOSE library (internal_api/tokens.py), cryptography
#: (shared/crypto.py and notifications/push.py import it where they use it), redis
#: (its exceptions are imported when one is raised: shared/throttle_store.store_errors)
#: and pydantic (the JSON API's models, api/operations.py's ``schemas``).
REGISTER_LAZY = ["requests", "joserfc", "cryptography", "redis", "pydantic"]
CONFIG_KEYS = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_STORAGE_URI",
               "MAIL_SUPPRESS_SEND", "MAIL_BACKGROUND_SENDER", "ARGON2_TIME_COST",
               "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")

SCRIPT = """
import json, os, sys
from importlib import import_module
spec = json.loads(os.environ["WORKER_SPEC"])
app = import_module(spec["service"]).create_app(spec["config"])
loaded = {"create_app": [m for m in spec["heavy"] if m in sys.modules]}
client = app.test_client()
if spec["cookie"]:
    client.set_cookie(spec["cookie"][0], spec["cookie"][1])
statuses = [client.get(path).status_code for path in spec["paths"]]
loaded["requests"] = [m for m in spec["heavy"] if m in sys.modules]
for name in spec["then_import"]:
    import_module(name)
loaded["feature"] = [m for m in spec["heavy"] if m in sys.modules]
print(json.dumps({"statuses": statuses, "loaded": loaded}))
"""


def run_worker(app, service: str, paths: list[str], cookie: tuple[str, str] | None = None,
               then_import: tuple[str, ...] = (), heavy: tuple[str, ...] = ()) -> dict:
    spec = {"service": service, "config": {k: app.config[k] for k in CONFIG_KEYS},
            "heavy": [*HEAVY, *heavy], "paths": paths, "cookie": cookie, "then_import": list(then_import)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "WORKER_SPEC": json.dumps(spec),
                               "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
def test_family_pages_load_no_heavy_library(gradebook_app, gradebook_client):
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.make_ready(parent)
    f.commit()
    f.sign_in(gradebook_client, parent)
    name = gradebook_app.config["SESSION_COOKIE_NAME"]
    cookie = gradebook_client.get_cookie(name)
    assert cookie is not None
    result = run_worker(
        gradebook_app, "gradebook_service",
        ["/family/grades", "/family/attendance", "/family/timetable", "/family/calendar",
         "/family/homework", "/family/settings", "/login"],
        cookie=(name, cookie.value),
        # The features still find their libraries (and the check sees a loaded one).
        then_import=("gradebook_service.letters.pdf", "gradebook_service.notifications.push",
                     "joserfc.jwt", "gradebook_service.api.schemas"),
        heavy=tuple(REGISTER_LAZY))
    assert result["statuses"] == [200] * 7
    assert result["loaded"]["create_app"] == []
    assert result["loaded"]["requests"] == []
    assert "fpdf" in result["loaded"]["feature"]
    assert {"joserfc", "pydantic"} <= set(result["loaded"]["feature"])  # it would see them


@pytest.mark.slow
def test_idp_pages_load_no_heavy_library(idp_app):
    # The IdP also leaves out the HTTP client (the school sign-in's back channel loads
    # it) and, without REDIS_URL, the redis client (shared/throttle_store.py).
    result = run_worker(idp_app, "idp",
                        ["/.well-known/openid-configuration", "/oauth/jwks", "/login"],
                        then_import=("idp.school_link.backchannel",),
                        heavy=("requests", "redis"))
    assert result["statuses"] == [200, 200, 200]
    assert result["loaded"]["create_app"] == []
    assert result["loaded"]["requests"] == []
    assert result["loaded"]["feature"] == []
