"""Messages pages and the unread badge issue a fixed number of SQL queries, whatever the volume."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import current_app

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.messages import services
from gradebook_service.messages.models import MessageThread
from gradebook_service.school.keys import find_by_id
from tests.gradebook.register_factories import build_school, sign_in
from tests.gradebook.test_register_query_counts import count_queries


def _traffic(world, n: int) -> None:
    """n threads from the maths teacher to the whole of 1a's parents and pupils, each answered."""
    with current_app.test_request_context():
        _write(world, n)


def _write(world, n: int) -> None:
    teacher = find_by_id(SchoolAccount, world.staff_accounts["math"].id)
    klass = world.classes["1a"]
    for i in range(n):
        thread = services.send(teacher, [f"class:{klass.id}:parents", f"class:{klass.id}:pupils"],
                               f"Temat {i}", f"Treść {i} https://example.pl/{i}",
                               requires_confirmation=i % 2 == 0)
        for pupil in world.pupils["1a"]:
            parent = find_by_id(SchoolAccount, world.parent_accounts[pupil.id].id)
            services.reply(parent, thread, [f"account:{teacher.id}"], f"Odpowiedź {i}")
    db.session.commit()


def _measure(client, urls) -> dict[str, int]:
    result = {}
    for url in urls:
        client.get(url)
        with client.application.app_context(), count_queries(db.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        result[url] = len(statements)
    return result


def _urls(account_id: int) -> list[str]:
    first = db.session.execute(sa.select(MessageThread.id).order_by(MessageThread.id)).scalar()
    return ["/messages", "/messages/sent", "/messages/archive", "/messages?q=Temat",
            "/messages/new", f"/messages/{first}"]


@pytest.fixture
def world(gradebook_app):
    return build_school(pupils_per_class=2)


@pytest.mark.app_config({"REGISTER_FRAGMENT_CACHE": False})
def test_family_message_pages_and_home_badge_constant(world, gradebook_client):
    _traffic(world, 2)
    parent = world.parent_accounts[world.pupils["1a"][0].id]
    sign_in(gradebook_client, parent)
    urls = [*_urls(parent.id), "/family/"]
    small = _measure(gradebook_client, urls)
    _traffic(world, 15)
    large = _measure(gradebook_client, urls)
    assert large == small
    _bounded(small)


def _bounded(counts: dict[str, int]) -> None:
    """Folders and compose stay small; a thread loads its messages, receipts and names."""
    for url, n in counts.items():
        assert n <= (16 if url.split("?")[0].rsplit("/", 1)[-1].isdigit() else 12), counts


def test_staff_message_pages_constant(world, gradebook_client):
    _traffic(world, 2)
    teacher = world.staff_accounts["math"]
    sign_in(gradebook_client, teacher)
    urls = _urls(teacher.id)
    small = _measure(gradebook_client, urls)
    _traffic(world, 15)
    more = build_school(name="SP 6", pupils_per_class=4)  # another school's data changes nothing
    assert more.school.id != world.school.id
    large = _measure(gradebook_client, urls)
    assert large == small
    _bounded(small)


def test_unread_count_is_one_query(world, gradebook_app):
    _traffic(world, 3)
    pupil_account = find_by_id(SchoolAccount,
                                   world.pupil_accounts[world.pupils["1a"][0].id].id)
    with count_queries(db.engine) as statements:
        count = services.unread_count(pupil_account)
    assert count == 3 and len(statements) == 1
