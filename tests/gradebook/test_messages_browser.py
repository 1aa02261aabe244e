"""In a real browser: a parent writes to the homeroom teacher, the teacher signs in with the second
factor and replies, the parent sees the reply and the read receipt; a script in a message never
runs; the message pages pass axe-core at phone and desktop widths.

The gradebook runs as a real gunicorn process on the test database (tests/support/live.py).
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.messages.models import Message, MessageReceipt
from tests.gradebook import test_register_browser as register_browser
from tests.gradebook.test_register_browser import SHOTS, SIZES, _axe, _prepare, _sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]

#: The gradebook as a real gunicorn process, as the register's browser test starts it.
live_gradebook = register_browser.live_gradebook

PAYLOAD = ('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
           '<a href="javascript:window.__pwned=3">klik</a> <svg onload="window.__pwned=4"></svg>'
           ' Plan: https://szkola.example.pl/plan?a=1&b=2')


def test_parent_writes_teacher_replies_with_second_factor(live_gradebook, chromium):
    world, parent, teacher, totp = _prepare(date.today())
    assert world.classes["1a"].homeroom_teacher_id == teacher.staff_id
    base = live_gradebook.url
    SHOTS.mkdir(parents=True, exist_ok=True)

    family = chromium.new_context(viewport=SIZES["phone"], locale="pl-PL")
    fpage = family.new_page()
    _sign_in(fpage, base, parent.login)
    fpage.goto(base + "/family/?lang=en")
    fpage.get_by_role("link", name="Messages").first.click()
    fpage.wait_for_url("**/messages")
    fpage.get_by_role("link", name="New message").click()
    fpage.get_by_label("Anna Nowak (homeroom teacher", exact=False).check()
    fpage.fill("#subject", "Wycieczka do Krakowa")
    fpage.fill("#body", "Czy Zosia może pojechać bez legitymacji?")
    fpage.screenshot(path=str(SHOTS / "messages-new-phone.png"), full_page=True)
    fpage.get_by_role("button", name="Send").click()
    fpage.wait_for_url("**/messages/*")
    assert "Message sent." in fpage.content()

    staff = chromium.new_context(viewport=SIZES["desktop"], locale="pl-PL")
    spage = staff.new_page()
    _sign_in(spage, base, teacher.login, totp)
    spage.goto(base + "/staff/?lang=en")
    spage.get_by_role("link", name="Messages").first.click()
    row = spage.get_by_role("link", name="Wycieczka do Krakowa", exact=False)
    assert "1 unread" in row.inner_text().replace("\n", " ")
    spage.screenshot(path=str(SHOTS / "messages-inbox-desktop.png"), full_page=True)
    row.click()
    assert "Czy Zosia może pojechać bez legitymacji?" in spage.content()
    spage.fill("#body", "Tak, wystarczy zgoda rodzica.")
    spage.get_by_role("button", name="Send answer").click()
    spage.wait_for_load_state()
    assert "Answer sent." in spage.content()
    spage.screenshot(path=str(SHOTS / "messages-thread-desktop.png"), full_page=True)

    fpage.goto(base + "/family/?lang=en")
    assert fpage.get_by_role("link", name="Messages 1 new", exact=True).count() == 1
    fpage.get_by_role("link", name="Messages 1 new", exact=True).click()
    fpage.get_by_role("link", name="Wycieczka do Krakowa", exact=False).click()
    text = fpage.locator("main").inner_text()
    assert "Tak, wystarczy zgoda rodzica." in text
    assert "Read by 1 of 1" in text and "Anna Nowak: read " in text
    fpage.screenshot(path=str(SHOTS / "messages-thread-phone.png"), full_page=True)
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count(MessageReceipt.id)).where(
        MessageReceipt.read_at.is_(None))).scalar() == 0
    family.close()
    staff.close()


def test_a_script_in_a_message_never_runs(live_gradebook, chromium):
    world, parent, teacher, totp = _prepare(date.today())
    base = live_gradebook.url
    staff = chromium.new_context(bypass_csp=True, viewport=SIZES["desktop"], locale="pl-PL")
    spage = staff.new_page()
    _sign_in(spage, base, teacher.login, totp)
    spage.goto(base + "/messages/new?lang=en")
    for size, viewport in SIZES.items():
        spage.set_viewport_size(viewport)
        spage.screenshot(path=str(SHOTS / f"messages-staff-new-{size}.png"), full_page=True)
        assert _axe(spage) == [], size
    spage.select_option("#recipient", f"account:{parent.id}")
    spage.fill("#subject", '<script>window.__pwned = 5</script>Zebranie')
    spage.fill("#body", PAYLOAD)
    spage.get_by_role("button", name="Send").click()
    spage.wait_for_url("**/messages/*")

    # The content security policy is switched off: escaping alone must keep the script inert.
    family = chromium.new_context(bypass_csp=True, viewport=SIZES["phone"], locale="pl-PL")
    fpage = family.new_page()
    dialogs = []
    fpage.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _sign_in(fpage, base, parent.login)
    fpage.goto(base + "/messages?q=Zebranie")  # the subject, escaped in the list as well
    assert "<script>window.__pwned = 5</script>Zebranie" in fpage.locator("main").inner_text()
    fpage.get_by_role("link", name="Zebranie", exact=False).click()
    fpage.wait_for_load_state()
    body = fpage.locator(".message-body").first
    assert "<script>window.__pwned = 1</script>" in body.inner_text()
    assert body.locator("script, img, svg, [onerror], [onload]").count() == 0
    links = body.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "https://szkola.example.pl/plan?a=1&b=2"]
    assert fpage.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert db.session.execute(sa.select(sa.func.count(Message.id))).scalar() == 1

    problems = {}
    for size, viewport in SIZES.items():
        fpage.set_viewport_size(viewport)
        for name, path in {"inbox": "/messages", "new": "/messages/new",
                           "thread": fpage.url.replace(base, "")}.items():
            fpage.goto(base + path)
            fpage.screenshot(path=str(SHOTS / f"messages-family-{name}-{size}.png"),
                             full_page=True)
            violations = _axe(fpage)
            if violations:
                problems[f"{name}@{size}"] = violations
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
    family.close()
    staff.close()
