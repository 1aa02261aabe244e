"""The account's messages through the JSON API: folders, threads, sending, answering, recipients.

The API drives the same messages domain as the Wiadomości pages, so these tests cross the two:
a message sent through the API arrives in the web inbox, and a thread read through the API
shows as read on the sender's web page (read receipts stay true).
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import FileStorage

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.api import schemas
from gradebook_service.core.models import AuditEvent
from gradebook_service.extensions import db
from gradebook_service.messages import services
from gradebook_service.messages.models import Message, MessageReceipt
from gradebook_service.school.keys import find_by_id
from tests.gradebook.register_factories import build_school, sign_in
from tests.gradebook.test_api import AUDIENCE, CONFIG, PORT, today  # noqa: F401 - fixture
from tests.support.fake_idp import FakeIdp

pytestmark = pytest.mark.app_config(CONFIG)
MESSAGES = "openid messages:read messages:send"


@pytest.fixture(scope="module")
def idp():
    fake = FakeIdp(AUDIENCE, {"client_id": "lunch-app", "gid": 7, "scope": MESSAGES}, port=PORT)
    yield fake
    fake.stop()


@pytest.fixture
def world(gradebook_app, today, tmp_path):  # noqa: F811 - the fixture imported above
    gradebook_app.config["MESSAGE_ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    return build_school(pupils_per_class=2)


def token_for(idp, *accounts, **claims) -> str:
    return idp.token(sub=f"user-{accounts[0].id}",
                     school_accounts=[{"ref": a.ref} for a in accounts], **claims)


def call(client, method, path, token, json=None, **headers):
    return client.open("/api/v1" + path, method=method, json=json,
                       headers={"Authorization": f"Bearer {token}", **headers})


def teacher_writes(world, account, n=1, subject="Zebranie"):
    """n threads from the maths teacher to ``account`` (through the domain, as the web form)."""
    teacher = find_by_id(SchoolAccount, world.staff_accounts["math"].id)
    with current_app.test_request_context():
        threads = [services.send(teacher, [f"account:{account.id}"], f"{subject} {i}",
                                 f"Treść {i}") for i in range(n)]
    db.session.commit()
    return threads


def parent_of(world, n=0, klass="1a"):
    pupil = world.pupils[klass][n]
    return find_by_id(SchoolAccount, world.parent_accounts[pupil.id].id)


# --- each endpoint with a valid token ------------------------------------------------------

def test_recipients_are_the_web_forms_options(gradebook_client, idp, world):
    parent = parent_of(world)
    response = call(gradebook_client, "GET", "/messages/recipients", token_for(idp, parent))
    assert response.status_code == 200, response.json
    body = schemas.Recipients.model_validate(response.json)
    assert body.account == parent.ref
    expected = {f"account:{world.staff_accounts[k].id}" for k in ("math", "polish", "history",
                                                                  "admin")}
    assert {r.id for r in body.items} == expected  # the child's teachers and the head only
    assert response.headers["ETag"] and response.headers["Cache-Control"] == "private, no-cache"


def test_parent_sends_through_the_api_and_the_teacher_reads_it_on_the_web(
        gradebook_client, idp, world):
    parent, teacher = parent_of(world), world.staff_accounts["math"]
    token = token_for(idp, parent)
    sent = call(gradebook_client, "POST", "/messages", token, json={
        "recipients": [f"account:{teacher.id}"], "subject": "Wycieczka",
        "body": "Proszę o rozmowę."})
    assert sent.status_code == 201, sent.json
    created = schemas.Sent.model_validate(sent.json)
    assert sent.headers["Cache-Control"] == "no-store" and "ETag" not in sent.headers
    message = find_by_id(Message, created.message_id)
    assert message.thread_id == created.thread_id and message.sender_id == parent.id

    sign_in(gradebook_client, teacher)
    page = gradebook_client.get(f"/messages/{created.thread_id}").text
    assert "Proszę o rozmowę." in page
    listed = call(gradebook_client, "GET", "/messages?folder=sent", token).json
    assert [t["id"] for t in listed["items"]] == [created.thread_id]
    assert listed["items"][0]["unread"] is False


def test_reading_a_thread_marks_it_read_and_the_sender_sees_the_receipt(
        gradebook_client, idp, world):
    parent, teacher = parent_of(world), world.staff_accounts["math"]
    (thread,) = teacher_writes(world, parent)
    token = token_for(idp, parent, scope="openid messages:read")
    inbox = call(gradebook_client, "GET", "/messages", token)
    assert inbox.status_code == 200
    item = schemas.Threads.model_validate(inbox.json).items[0]
    assert (item.id, item.unread, item.unread_count) == (thread.id, True, 1)
    assert item.counterpart.startswith("Anna Nowak")

    read = call(gradebook_client, "GET", f"/messages/{thread.id}", token)
    assert read.status_code == 200, read.json
    shown = schemas.Thread.model_validate(read.json)
    assert [m.body for m in shown.messages] == ["Treść 0"]
    assert shown.messages[0].read_at is not None and not shown.messages[0].mine
    assert shown.reply_default == [f"account:{teacher.id}"]
    receipt = db.session.execute(sa.select(MessageReceipt).where(
        MessageReceipt.thread_id == thread.id, MessageReceipt.account_id == parent.id)).scalar_one()
    assert receipt.read_at is not None

    sign_in(gradebook_client, teacher)
    page = gradebook_client.get(f"/messages/{thread.id}?lang=en").text
    assert re.search(r"Rodzic1 Klasa1a[^<]*: read \d\d\.\d\d\.\d{4}", page), page
    again = call(gradebook_client, "GET", "/messages", token).json["items"][0]
    assert again["unread"] is False and again["unread_count"] == 0


def test_parent_answers_and_the_teacher_sees_who_read_it(gradebook_client, idp, world):
    parent, teacher = parent_of(world), world.staff_accounts["math"]
    (thread,) = teacher_writes(world, parent)
    token = token_for(idp, parent)
    answered = call(gradebook_client, "POST", f"/messages/{thread.id}/replies", token,
                    json={"body": "Będę."})  # no recipients: the default, the teacher
    assert answered.status_code == 201, answered.json
    message = find_by_id(Message, answered.json["message_id"])
    assert message.body == "Będę." and message.thread_id == thread.id
    assert db.session.execute(sa.select(MessageReceipt.account_id).where(
        MessageReceipt.message_id == message.id)).scalars().all() == [teacher.id]
    mine = call(gradebook_client, "GET", f"/messages/{thread.id}", token).json["messages"][-1]
    assert mine["mine"] is True and mine["receipts"][0]["read_at"] is None

    sign_in(gradebook_client, teacher)
    assert "Będę." in gradebook_client.get(f"/messages/{thread.id}").text
    mine = call(gradebook_client, "GET", f"/messages/{thread.id}", token).json["messages"][-1]
    assert mine["receipts"][0]["read_at"] is not None  # the teacher opened it on the web


def test_folders_archive_and_search(gradebook_client, idp, world):
    parent = parent_of(world)
    first, second = teacher_writes(world, parent, 2)
    token = token_for(idp, parent)
    services.set_archived(parent, first, True)
    db.session.commit()
    ids = [t["id"] for t in call(gradebook_client, "GET", "/messages", token).json["items"]]
    assert ids == [second.id]
    archive = call(gradebook_client, "GET", "/messages?folder=archive", token).json["items"]
    assert [(t["id"], t["archived"]) for t in archive] == [(first.id, True)]
    found = call(gradebook_client, "GET", "/messages?q=Zebranie%201", token).json["items"]
    assert [t["id"] for t in found] == [second.id]
    assert call(gradebook_client, "GET", "/messages?folder=spam", token).status_code == 400


# --- pagination and ETags ------------------------------------------------------------------

def test_threads_are_paged_by_cursor_without_repeats_or_gaps(gradebook_client, idp, world):
    parent = parent_of(world)
    threads = teacher_writes(world, parent, 5)
    token = token_for(idp, parent)
    seen, cursor, pages = [], None, 0
    while True:
        response = call(gradebook_client, "GET", "/messages?limit=2" + (
            f"&cursor={cursor}" if cursor else ""), token)
        assert response.status_code == 200, response.json
        seen += [t["id"] for t in response.json["items"]]
        pages += 1
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [t.id for t in reversed(threads)]  # newest first, each once
    bad = call(gradebook_client, "GET", "/messages?cursor=WzEsMl0", token)  # [1,2]
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"


def test_reads_answer_304_until_something_changes(gradebook_client, idp, world):
    parent = parent_of(world)
    (thread,) = teacher_writes(world, parent)
    token = token_for(idp, parent)
    for path in ("/messages", f"/messages/{thread.id}", "/messages/recipients"):
        first = call(gradebook_client, "GET", path, token)
        etag = first.headers["ETag"]
        if path == "/messages":  # the thread was unread: reading it changes the list
            call(gradebook_client, "GET", f"/messages/{thread.id}", token)
            first = call(gradebook_client, "GET", path, token)
            assert first.headers["ETag"] != etag
            etag = first.headers["ETag"]
        again = call(gradebook_client, "GET", path, token, **{"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", path
    teacher_writes(world, parent, 1, subject="Nowe")
    changed = call(gradebook_client, "GET", "/messages", token, **{"If-None-Match": etag})
    assert changed.status_code == 200


# --- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "needs"), [
    ("GET", "/messages", "messages:read"),
    ("GET", "/messages/{thread}", "messages:read"),
    ("GET", "/messages/recipients", "messages:send"),
    ("POST", "/messages", "messages:send"),
    ("POST", "/messages/{thread}/replies", "messages:send"),
])
def test_insufficient_scope(gradebook_client, idp, world, method, path, needs):
    parent = parent_of(world)
    (thread,) = teacher_writes(world, parent)
    other = "messages:send" if needs == "messages:read" else "messages:read"
    token = token_for(idp, parent, scope=f"openid grades:read {other}")
    response = call(gradebook_client, method, path.format(thread=thread.id), token,
                    json={"recipients": ["account:1"], "subject": "a", "body": "b"}
                    if method == "POST" else None)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer") and 'error="insufficient_scope"' in challenge
    assert f'scope="{needs}"' in challenge
    assert db.session.execute(sa.select(sa.func.count(Message.id))).scalar() == 1


def test_another_familys_thread_is_not_found(gradebook_client, idp, world):
    parent, other = parent_of(world, 0), parent_of(world, 1)
    (thread,) = teacher_writes(world, other)
    token = token_for(idp, parent)
    for method, path, body in (("GET", f"/messages/{thread.id}", None),
                               ("POST", f"/messages/{thread.id}/replies", {"body": "Hej"}),
                               ("GET", "/messages/999999999", None),
                               ("GET", "/messages/abc", None)):
        response = call(gradebook_client, method, path, token, json=body)
        assert response.status_code == 404, (path, response.json)
        assert response.mimetype == "application/problem+json"
    receipt = db.session.execute(sa.select(MessageReceipt).where(
        MessageReceipt.thread_id == thread.id)).scalar_one()
    assert receipt.read_at is None  # nothing was marked read for the other family
    assert db.session.execute(sa.select(sa.func.count(Message.id))).scalar() == 1


def test_a_recipient_outside_the_policy_is_422_naming_the_field(gradebook_client, idp, world):
    parent, other = parent_of(world, 0), parent_of(world, 1)
    pupil_b = world.pupils["1a"][1]
    token = token_for(idp, parent)
    for value in (f"account:{other.id}", f"account:{world.pupil_accounts[pupil_b.id].id}",
                  f"class:{world.classes['1a'].id}:parents", "school:parents", "account:x"):
        response = call(gradebook_client, "POST", "/messages", token, json={
            "recipients": [value], "subject": "Hej", "body": "Treść"})
        assert response.status_code == 422, (value, response.json)
        assert response.mimetype == "application/problem+json"
        assert [e["loc"] for e in response.json["errors"]] == ["recipients"]
    assert db.session.execute(sa.select(sa.func.count(Message.id))).scalar() == 0
    assert db.session.execute(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.event == "message.recipient_refused")).scalar() == 5

    (thread,) = teacher_writes(world, other)  # a thread the parent is not in
    (mine,) = teacher_writes(world, parent)
    response = call(gradebook_client, "POST", f"/messages/{mine.id}/replies", token,
                    json={"recipients": [f"account:{other.id}"], "body": "Hej"})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json["errors"]] == ["recipients"]
    empty = call(gradebook_client, "POST", "/messages", token, json={
        "recipients": [f"account:{world.staff_accounts['math'].id}"], "subject": " ",
        "body": "Treść"})
    assert empty.status_code == 422 and empty.json["errors"][0]["loc"] == "subject"
    assert "temat" in empty.json["errors"][0]["message"].lower()  # the domain's Polish text
    english = call(gradebook_client, "POST", "/messages", token, json={
        "recipients": [f"account:{other.id}"], "subject": "Hej", "body": "Treść"},
        **{"Accept-Language": "en"})
    assert english.json["detail"] == "The message was not sent."
    assert english.json["errors"] == [{
        "loc": "recipients", "message": "You cannot write to one of the chosen recipients."}]


def test_the_account_is_chosen_when_the_token_speaks_for_several(gradebook_client, idp, world):
    first, second = parent_of(world, 0, "1a"), parent_of(world, 0, "1b")
    teacher_writes(world, second, 1, subject="Dla 1b")
    token = token_for(idp, first, second)
    refs = {p["id"]: p["account"] for p in call(gradebook_client, "GET", "/me", token).json[
        "pupils"]}
    assert set(refs.values()) == {first.ref, second.ref}
    ambiguous = call(gradebook_client, "GET", "/messages", token)
    assert ambiguous.status_code == 400 and ambiguous.json["errors"][0]["loc"] == "account"
    listed = call(gradebook_client, "GET", f"/messages?account={second.ref}", token).json
    assert listed["account"] == second.ref and listed["items"][0]["subject"] == "Dla 1b 0"
    assert call(gradebook_client, "GET", f"/messages?account={first.ref}", token).json[
        "items"] == []
    stranger = parent_of(world, 1, "1b")
    assert call(gradebook_client, "GET", f"/messages?account={stranger.ref}",
                token).status_code == 404


def test_sending_has_the_web_forms_hourly_quota(gradebook_client, idp, world, monkeypatch):
    monkeypatch.setattr(services, "SEND_LIMIT", "2 per hour")
    parent, teacher = parent_of(world), world.staff_accounts["math"]
    token = token_for(idp, parent)
    statuses = [call(gradebook_client, "POST", "/messages", token, json={
        "recipients": [f"account:{teacher.id}"], "subject": f"Pytanie {i}",
        "body": "Treść"}).status_code for i in range(3)]
    assert statuses == [201, 201, 429]


def test_attachments_are_listed_and_downloaded_by_their_accounts_only(
        gradebook_client, idp, world):
    parent, other = parent_of(world, 0), parent_of(world, 1)
    teacher = find_by_id(SchoolAccount, world.staff_accounts["math"].id)
    content = b"%PDF-1.4 plan wycieczki"
    with current_app.test_request_context():
        thread = services.send(teacher, [f"account:{parent.id}"], "Plan", "W załączniku.",
                               FileStorage(io.BytesIO(content), filename="plan wycieczki.pdf"))
    db.session.commit()
    token = token_for(idp, parent, scope="openid messages:read")
    (item,) = call(gradebook_client, "GET", f"/messages/{thread.id}", token).json[
        "messages"][0]["attachments"]
    assert (item["filename"], item["content_type"], item["size"]) == (
        "plan wycieczki.pdf", "application/pdf", len(content))
    download = call(gradebook_client, "GET", f"/messages/attachments/{item['id']}", token)
    assert download.status_code == 200 and download.data == content
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Cache-Control"] == "private, no-store"
    assert "RateLimit" in download.headers
    download.close()  # the file stays open until the response is closed
    for who, path in ((other, f"/messages/attachments/{item['id']}"),
                      (parent, "/messages/attachments/nope")):
        refused = call(gradebook_client, "GET", path, token_for(idp, who))
        assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
    no_scope = call(gradebook_client, "GET", f"/messages/attachments/{item['id']}",
                    token_for(idp, parent, scope="openid messages:send"))
    assert no_scope.status_code == 403
