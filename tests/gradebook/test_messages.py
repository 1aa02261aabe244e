"""Messages through the web: compose (5.4), who reaches whom, threads, receipts, folders, search."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gradebook_service.core.models import AuditEvent
from gradebook_service.extensions import db
from gradebook_service.messages.models import Message, MessageReceipt, MessageThread
from gradebook_service.school.keys import find_by_id
from tests.gradebook.register_factories import build_school, sign_in


@pytest.fixture
def world(gradebook_app, tmp_path):
    gradebook_app.config["MESSAGE_ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    return build_school(pupils_per_class=2)


def _recipient_values(client) -> list[str]:
    page = client.get("/messages/new").text
    if "<select" in page.split('name="recipient"')[0][-200:]:
        select = page.split('name="recipient"', 1)[1].split("</select>", 1)[0]
        return re.findall(r'<option value="([^"]+)"', select)
    return re.findall(r'name="recipient" value="([^"]+)"', page)


def _send(client, recipients, subject="Wycieczka", body="Dzień dobry", **extra):
    client.get("/messages/new")
    return client.post("/messages/new", data={"recipient": recipients, "subject": subject,
                                              "body": body, **extra})


def test_parent_options_are_the_childs_staff_only(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    values = _recipient_values(gradebook_client)
    expected = {f"account:{world.staff_accounts[k].id}" for k in ("math", "polish", "history",
                                                                  "admin")}
    assert set(values) == expected
    page = gradebook_client.get("/messages/new?lang=en").text
    assert "homeroom teacher" in page and "headteacher" in page


def test_parent_writes_to_homeroom_teacher_who_replies(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    parent, teacher = world.parent_accounts[pupil.id], world.staff_accounts["math"]
    sign_in(gradebook_client, parent)
    sent = _send(gradebook_client, [f"account:{teacher.id}"], body="Proszę o rozmowę.")
    assert sent.status_code == 303
    thread_url = sent.headers["Location"]

    sign_in(gradebook_client, teacher)
    inbox = gradebook_client.get("/messages?lang=en").text
    assert "Wycieczka" in inbox and "Rodzic1 Klasa1a (parent of Uczeń1 Klasa1a, 1a)" in inbox
    assert 'class="badge">1' in inbox
    page = gradebook_client.get(thread_url).text
    assert "Proszę o rozmowę." in page
    assert f'value="account:{parent.id}" checked' in page  # the answer goes to the asker
    gradebook_client.post(thread_url + "/reply", data={"recipient": f"account:{parent.id}",
                                                       "body": "Zapraszam we wtorek."})

    sign_in(gradebook_client, parent)
    home = gradebook_client.get("/family/?lang=en").text
    assert re.search(r'Messages <span class="badge">1', home)
    page = gradebook_client.get(thread_url + "?lang=en").text
    assert "Zapraszam we wtorek." in page
    assert re.search(r"Anna Nowak: read \d\d\.\d\d\.\d{4}", page)  # the receipt of the question
    thread = find_by_id(MessageThread, int(thread_url.rsplit("/", 1)[1]))
    assert db.session.execute(sa.select(sa.func.count(Message.id)).where(
        Message.thread_id == thread.id)).scalar() == 2


def test_parent_cannot_write_to_another_family_or_unknown_values(world, gradebook_client):
    a, b = world.pupils["1a"]
    sign_in(gradebook_client, world.parent_accounts[a.id])
    for value in (f"account:{world.parent_accounts[b.id].id}",
                  f"account:{world.pupil_accounts[b.id].id}",
                  f"class:{world.classes['1a'].id}:parents", "school:parents", "account:999999"):
        response = _send(gradebook_client, [value])
        assert response.status_code == 422, value
        assert "Nie możesz pisać" in response.text
    assert db.session.execute(sa.select(sa.func.count(Message.id))).scalar() == 0
    assert db.session.execute(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.event == "message.recipient_refused")).scalar() == 5


def test_pupil_cannot_write_to_all_parents(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.pupil_accounts[pupil.id])
    values = _recipient_values(gradebook_client)
    assert not [v for v in values if not v.startswith("account:")]
    assert _send(gradebook_client, ["school:parents"]).status_code == 422
    assert _send(gradebook_client, [f"class:{world.classes['1a'].id}:parents"]).status_code == 422


def test_teacher_to_class_parents_answers_stay_private(world, gradebook_client):
    """A parent's answer to a class-wide message reaches the teacher, not the other families."""
    teacher = world.staff_accounts["math"]
    a, b = world.pupils["1a"]
    sign_in(gradebook_client, teacher)
    values = _recipient_values(gradebook_client)
    group = f"class:{world.classes['1a'].id}:parents"
    assert group in values and "school:pupils" in values
    thread_url = _send(gradebook_client, [group], subject="Zebranie", body="Zapraszam",
                       confirm="1").headers["Location"]
    thread_id = int(thread_url.rsplit("/", 1)[1])
    receivers = set(db.session.execute(sa.select(MessageReceipt.account_id)).scalars())
    assert receivers == {world.parent_accounts[a.id].id, world.parent_accounts[b.id].id}

    sign_in(gradebook_client, world.parent_accounts[a.id])
    page = gradebook_client.get(thread_url + "?lang=en").text
    assert "Rodzic2" not in page  # the other family's name is not shown
    first = db.session.execute(sa.select(Message.id).order_by(Message.id)).scalars().first()
    confirmed = gradebook_client.post(f"{thread_url}/messages/{first}/confirm", data={})
    assert confirmed.status_code == 303
    assert f'value="account:{teacher.id}" checked' in page
    assert f'value="account:{world.parent_accounts[b.id].id}"' not in page  # not offered
    forged = gradebook_client.post(thread_url + "/reply", data={
        "recipient": f"account:{world.parent_accounts[b.id].id}", "body": "Do sąsiada"})
    assert forged.status_code == 422 and "You cannot write to one of" in forged.text
    gradebook_client.post(thread_url + "/reply", data={"recipient": f"account:{teacher.id}",
                                                       "body": "Będę"})
    answer = db.session.execute(sa.select(Message).where(Message.body == "Będę")).scalar_one()
    assert set(db.session.execute(sa.select(MessageReceipt.account_id).where(
        MessageReceipt.message_id == answer.id)).scalars()) == {teacher.id}

    sign_in(gradebook_client, world.parent_accounts[b.id])
    assert "Będę" not in gradebook_client.get(thread_url).text

    sign_in(gradebook_client, teacher)
    page = gradebook_client.get(thread_url + "?lang=en").text
    assert "Read by 2 of 2" in page and "confirmed by 1" in page
    assert "not confirmed" in page  # the second family has not confirmed
    # The teacher's answer goes by default to the parent who wrote, not to the whole class.
    a_id, b_id = world.parent_accounts[a.id].id, world.parent_accounts[b.id].id
    assert f'value="account:{a_id}" checked' in page
    assert f'value="account:{b_id}">' in page  # offered, not chosen
    gradebook_client.post(thread_url + "/reply", data={"recipient": f"account:{a_id}",
                                                       "body": "Dziękuję"})
    thanks = db.session.execute(sa.select(Message).where(Message.body == "Dziękuję")).scalar_one()
    assert set(db.session.execute(sa.select(MessageReceipt.account_id).where(
        MessageReceipt.message_id == thanks.id)).scalars()) == {a_id}
    assert thread_id


def test_other_family_cannot_open_thread(world, gradebook_client):
    a, b = world.pupils["1a"]
    sign_in(gradebook_client, world.parent_accounts[a.id])
    url = _send(gradebook_client, [f"account:{world.staff_accounts['math'].id}"]
                ).headers["Location"]
    sign_in(gradebook_client, world.parent_accounts[b.id])
    assert gradebook_client.get(url).status_code == 404
    assert gradebook_client.post(url + "/reply", data={
        "recipient": f"account:{world.staff_accounts['math'].id}", "body": "x"}).status_code == 404
    assert gradebook_client.post(url + "/archive", data={}).status_code == 404


def test_archive_and_back_and_new_message_returns(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    parent, teacher = world.parent_accounts[pupil.id], world.staff_accounts["math"]
    sign_in(gradebook_client, teacher)
    url = _send(gradebook_client, [f"account:{parent.id}"], subject="Obiad").headers["Location"]
    sign_in(gradebook_client, parent)
    assert "Obiad" in gradebook_client.get("/messages").text
    gradebook_client.get(url)
    gradebook_client.post(url + "/archive", data={})
    assert "Obiad" not in gradebook_client.get("/messages").text
    assert "Obiad" in gradebook_client.get("/messages/archive").text
    sign_in(gradebook_client, teacher)
    assert "Obiad" not in gradebook_client.get("/messages").text  # sent, not received
    assert "Obiad" in gradebook_client.get("/messages/sent").text
    gradebook_client.get(url)
    gradebook_client.post(url + "/reply", data={"recipient": f"account:{parent.id}",
                                                "body": "Jeszcze jedno"})
    sign_in(gradebook_client, parent)
    assert "Obiad" in gradebook_client.get("/messages").text


def test_search_finds_subject_and_body_of_own_messages_only(world, gradebook_client):
    a, b = world.pupils["1a"]
    teacher = world.staff_accounts["math"]
    sign_in(gradebook_client, teacher)
    _send(gradebook_client, [f"account:{world.parent_accounts[a.id].id}"], subject="Basen",
          body="Czepek i klapki 100%")
    _send(gradebook_client, [f"account:{world.parent_accounts[b.id].id}"], subject="Teatr",
          body="Bilety")
    sign_in(gradebook_client, world.parent_accounts[a.id])
    assert "Basen" in gradebook_client.get("/messages?q=klapki").text
    assert "Basen" in gradebook_client.get("/messages?q=BASEN").text
    assert "Basen" in gradebook_client.get("/messages?q=100%25").text
    found = gradebook_client.get("/messages?q=Bilety").text
    assert "Teatr" not in found and "Basen" not in found
    assert "Basen" not in gradebook_client.get("/messages?q=100_").text  # _ is no wildcard


def test_validation_errors_keep_what_was_written(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    teacher = f"account:{world.staff_accounts['math'].id}"
    response = _send(gradebook_client, [teacher], subject="", body="Mój długi tekst")
    assert response.status_code == 422
    assert "Mój długi tekst" in response.text and "Podaj temat" in response.text
    assert f'value="{teacher}" checked' in response.text
    response = _send(gradebook_client, [], subject="Temat", body="x")
    assert response.status_code == 422 and "Wybierz co najmniej jednego" in response.text
    url = _send(gradebook_client, [teacher], body="Pytanie").headers["Location"]
    gradebook_client.get(url)
    response = gradebook_client.post(url + "/reply", data={"body": "Bez odbiorcy"})
    assert response.status_code == 422 and "Wybierz co najmniej jednego" in response.text
    assert "Bez odbiorcy" in response.text


def test_forged_post_without_csrf_is_refused(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    response = gradebook_client.post("/messages/new", data={
        "recipient": f"account:{world.staff_accounts['math'].id}", "subject": "a", "body": "b",
        "csrf_token": ""})
    assert response.status_code == 400
    assert db.session.execute(sa.select(sa.func.count(Message.id))).scalar() == 0


def test_anonymous_is_sent_to_login(world, gradebook_client):
    response = gradebook_client.get("/messages")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_body_is_escaped_and_links_are_clickable(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    teacher = world.staff_accounts["math"]
    sign_in(gradebook_client, teacher)
    url = _send(gradebook_client, [f"account:{world.parent_accounts[pupil.id].id}"],
                body='<script>alert(1)</script> <img src=x onerror=alert(2)> '
                     'zob. https://szkola.example.pl/plan?a=1&b=2.').headers["Location"]
    page = gradebook_client.get(url).text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert ('<a href="https://szkola.example.pl/plan?a=1&amp;b=2" '
            'rel="noopener noreferrer nofollow">') in page


def test_each_recipient_is_notified_without_the_text(world, gradebook_client):
    """The notifications hook (issue 13 part B) hears of every message: sender and subject only."""
    from gradebook_service.notifications.models import MESSAGE, Notification

    teacher = world.staff_accounts["math"]
    sign_in(gradebook_client, teacher)
    url = _send(gradebook_client, [f"class:{world.classes['1a'].id}:parents"],
                subject="Zebranie", body="Tajna treść").headers["Location"]
    notes = list(db.session.execute(sa.select(Notification)).scalars())
    assert {n.account_id for n in notes} == {world.parent_accounts[p.id].id
                                             for p in world.pupils["1a"]}
    assert {n.kind for n in notes} == {MESSAGE}
    assert all(n.params == {"sender": "Anna Nowak", "subject": "Zebranie"} for n in notes)
    assert all(n.path == url.replace("http://localhost", "") for n in notes)


def test_only_staff_ask_for_confirmation_and_restore_from_archive(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    page = gradebook_client.get("/messages/new").text
    assert 'name="confirm"' not in page
    url = _send(gradebook_client, [f"account:{world.staff_accounts['math'].id}"],
                subject="Prośba", confirm="1").headers["Location"]
    assert db.session.execute(sa.select(Message.requires_confirmation)).scalar() is False
    gradebook_client.get(url)
    gradebook_client.post(url + "/archive", data={})
    assert "Prośba" in gradebook_client.get("/messages/archive").text
    gradebook_client.get(url)
    gradebook_client.post(url + "/archive", data={"restore": "1"})
    assert "Prośba" not in gradebook_client.get("/messages/archive").text
    assert "Prośba" in gradebook_client.get("/messages/sent").text
