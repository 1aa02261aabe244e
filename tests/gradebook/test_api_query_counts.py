"""Every API read issues a fixed number of SQL queries, whatever the data volume."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from flask import current_app

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.messages import services
from gradebook_service.messages.models import MessageThread
from gradebook_service.school.keys import find_by_id
from tests.gradebook.register_factories import TODAY, add_register, build_school
from tests.gradebook.test_api import ALL_SCOPES, AUDIENCE, CONFIG, PORT, READS
from tests.gradebook.test_register_query_counts import _more_data, count_queries
from tests.support.fake_idp import FakeIdp

pytestmark = pytest.mark.app_config({**CONFIG, "REGISTER_FRAGMENT_CACHE": False})


@pytest.fixture(scope="module")
def idp():
    fake = FakeIdp(AUDIENCE, {"client_id": "lunch-app", "gid": 7, "scope": ALL_SCOPES}, port=PORT)
    yield fake
    fake.stop()


def _counts(client, token, urls) -> dict[str, int]:
    headers = {"Authorization": f"Bearer {token}"}
    result = {}
    for url in urls:
        client.get(url, headers=headers)  # warm the JWKS and school-year caches
        with client.application.app_context(), count_queries(db.engine) as statements:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.json)
        result[url] = len(statements)
    return result


def test_api_reads_constant_queries(gradebook_app, gradebook_client, idp):
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        world = build_school(pupils_per_class=3, lessons=True, scale=1)
        _more_data(world, 2)
        pupil = world.pupils["1a"][0]
        token = idp.token(sub="counting", school_accounts=[
            {"ref": world.parent_accounts[pupil.id].ref}], exp=2**31 - 1)
        urls = ["/api/v1/me"] + [f"/api/v1/pupils/{pupil.ref}/{name}?" + (
            "limit=200" if name in ("grades", "homework", "events", "announcements") else "")
            for name, _scope, _model in READS]
        urls.append(f"/api/v1/pupils/{pupil.ref}/attendance?from=2026-09-01&limit=200")
        small = _counts(gradebook_client, token, urls)
        add_register(world, scale=10, first_week=5)  # 10× lessons, attendance and grades
        _more_data(world, 20)
        db.session.commit()
        large = _counts(gradebook_client, token, urls)
    assert large == small
    assert max(small.values()) <= 12, small


def _message_traffic(world, parent, n: int) -> int:
    """n threads from the maths teacher to 1a's parents, each answered by ``parent`` and
    answered back; the first thread's id (it grows with every call)."""
    teacher = find_by_id(SchoolAccount, world.staff_accounts["math"].id)
    klass = world.classes["1a"]
    with current_app.test_request_context():
        threads = [services.send(teacher, [f"class:{klass.id}:parents"], f"Temat {i}",
                                 f"Treść {i}") for i in range(n)]
        first = db.session.execute(sa.select(MessageThread).order_by(MessageThread.id)).scalar()
        for thread in [first, *threads]:
            services.reply(parent, thread, [f"account:{teacher.id}"], "Odpowiedź")
            services.reply(teacher, thread, [f"account:{parent.id}"], "Dziękuję")
    db.session.commit()
    return first.id


def test_api_message_reads_constant_queries(gradebook_app, gradebook_client, idp):
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        world = build_school(pupils_per_class=3)
        pupil = world.pupils["1a"][0]
        parent = find_by_id(SchoolAccount, world.parent_accounts[pupil.id].id)
        token = idp.token(sub="counting", school_accounts=[{"ref": parent.ref}],
                          exp=2**31 - 1)
        first = _message_traffic(world, parent, 2)
        urls = ["/api/v1/messages?limit=200", "/api/v1/messages?folder=sent&limit=200",
                "/api/v1/messages?folder=archive", "/api/v1/messages?q=Temat&limit=200",
                "/api/v1/messages/recipients", f"/api/v1/messages/{first}"]
        small = _counts(gradebook_client, token, urls)
        _message_traffic(world, parent, 20)
        large = _counts(gradebook_client, token, urls)
    assert large == small
    assert max(small.values()) <= 14, small
