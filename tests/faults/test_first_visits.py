"""200 families opening a section for the first time at once: no page fails on recording it.

Measured before the fix (issue 17): two requests of one family raced on the
check-then-insert of ``section_visit`` and the loser answered 500. The families
here each fire two requests for the same section at the same moment against a real
gunicorn (two workers × four threads), on the backend the suite runs on.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from gradebook_service.accounts.access import SESSION_KEY, SESSION_VERSION_KEY, open_session
from gradebook_service.accounts.models import TermsVersion
from gradebook_service.accounts.terms import current_terms
from gradebook_service.extensions import db
from gradebook_service.web.models import SECTIONS, SectionVisit
from shared.session_records import SID_KEY
from tests.gradebook.accounts_factories import make_class, make_family, make_school, parent_accounts
from tests.support.live import ServiceProcess

pytestmark = pytest.mark.slow

FAMILIES = 200
PAGES = {"grades": "/family/grades", "attendance": "/family/attendance",
         "homework": "/family/homework", "calendar": "/family/calendar",
         "remarks": "/family/remarks"}


def signed_in_cookies(app, count: int) -> list[tuple[int, str]]:
    """``count`` parents of one school, ready to read, each with a session cookie."""
    school = make_school()
    classes = [make_class(school, f"{level}a") for level in range(1, 5)]
    accounts = []
    for n in range(count):
        accounts.extend(parent_accounts(make_family(classes[n % len(classes)], last=f"Nowak{n}")))
    version = current_terms(school.id).version
    for account in accounts:
        account.must_change_password = False
        account.terms_version_accepted = version
    db.session.flush()
    # The school's terms do not exist yet either: the gate of every first page creates them.
    db.session.execute(sa.delete(TermsVersion).where(TermsVersion.school_id == school.id))
    serializer = app.session_interface.get_signing_serializer(app)
    cookies = [(account.id, serializer.dumps({SESSION_KEY: account.id,
                                              SESSION_VERSION_KEY: account.session_version,
                                              SID_KEY: open_session(account)}))
               for account in accounts]
    db.session.commit()
    return cookies


@pytest.fixture
def gradebook_server(gradebook_app, database_urls, tmp_path):
    """The test database served by a real gunicorn with two workers."""
    server = ServiceProcess("gradebook", {
        "SECRET_KEY": gradebook_app.config["SECRET_KEY"], "EDZ_INSTANCE_DIR": str(tmp_path),
        "GRADEBOOK_DATABASE_URL": database_urls["gradebook"],
        "MAIL_BACKGROUND_SENDER": "0", "ARGON2_TIME_COST": "2", "ARGON2_MEMORY_COST": "19456",
        "ARGON2_PARALLELISM": "1"}, workers=2)
    yield server
    server.stop()


@pytest.mark.timeout(240)
def test_two_hundred_families_first_visits_never_fail(gradebook_app, gradebook_server):
    cookies = signed_in_cookies(gradebook_app, FAMILIES)
    gradebook_server.start(timeout=120)
    cookie_name = gradebook_app.config["SESSION_COOKIE_NAME"]
    barriers = {account_id: threading.Barrier(2, timeout=60) for account_id, _ in cookies}

    def visit(account_id: int, cookie: str, section: str) -> int:
        with requests.Session() as http:
            http.cookies.set(cookie_name, cookie)
            barriers[account_id].wait()  # the family's two requests leave together
            response = http.get(gradebook_server.url + PAGES[section], timeout=60,
                                allow_redirects=False)
            return response.status_code

    jobs = []
    with ThreadPoolExecutor(max_workers=32) as pool:
        for n, (account_id, cookie) in enumerate(cookies):
            section = SECTIONS[n % len(SECTIONS)]
            jobs += [pool.submit(visit, account_id, cookie, section) for _ in range(2)]
        statuses = [job.result(timeout=180) for job in jobs]

    assert len(statuses) == 2 * FAMILIES
    assert {s for s in statuses} == {200}, sorted(set(statuses))
    log = gradebook_server.log_path.read_text()
    assert "IntegrityError" not in log and "Traceback" not in log
    db.session.remove()
    visits = db.session.execute(sa.select(SectionVisit.account_id, sa.func.count())
                                .group_by(SectionVisit.account_id)).all()
    assert len(visits) == FAMILIES and {count for _, count in visits} == {1}
    assert db.session.execute(sa.select(TermsVersion.version)).scalars().all() == [1]
