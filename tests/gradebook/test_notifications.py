"""Notifications: preferences, hooks, quiet hours and the digest over real SMTP, the stop link."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from gradebook_service.announcements import services as announcements
from gradebook_service.calendar import services as calendar
from gradebook_service.extensions import db, outbox
from gradebook_service.grades import services as grades
from gradebook_service.lessons import services as lessons
from gradebook_service.notifications import dispatcher
from gradebook_service.notifications.models import (
    ABSENCE,
    ANNOUNCEMENT,
    DIGEST,
    GRADE,
    MESSAGE,
    OFF,
    PENDING,
    TEST,
    Notification,
    NotificationPreference,
)
from gradebook_service.notifications.quiet_hours import DeliveryWindow
from gradebook_service.notifications.services import notify, set_preference
from shared.database import utcnow
from shared.outbox import mail
from tests.gradebook.register_factories import TODAY, build_school, sign_in

WARSAW = ZoneInfo("Europe/Warsaw")


def at(day: date, hour: int, minute: int = 0):
    """Travel to a Warsaw wall-clock time (time stands still there)."""
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, minute,
                                        tzinfo=WARSAW), tick=False)


@pytest.fixture
def mailing(gradebook_app, smtp_server):
    """The app delivers its outbox to the real SMTP server on loopback."""
    gradebook_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.smtp_port,
                                MAIL_SUPPRESS_SEND=False)
    mail.init_app(gradebook_app)
    return smtp_server


def _with_email(account, address):
    account.recovery_email = address
    account.recovery_email_verified_at = utcnow()
    db.session.commit()
    return account


def _deliver_and_collect(smtp_server, expected: int):
    sent, failed = outbox.deliver_due()
    assert (sent, failed) == (expected, 0)
    return list(smtp_server.mails)


@pytest.mark.parametrize(("hour", "quiet"), [(20, False), (21, True), (23, True), (0, True),
                                             (6, True), (7, False), (12, False)])
def test_quiet_hours_span_midnight(hour, quiet):
    window = DeliveryWindow(WARSAW)
    moment = datetime(2026, 10, 5, hour, 30, tzinfo=WARSAW)
    assert window.is_quiet(moment) is quiet
    end = window.quiet_ends(moment)
    assert not window.is_quiet(end) and (end == moment) is (not quiet)


@pytest.mark.parametrize(("hour", "last", "due"), [
    (16, None, False), (17, None, True), (17, date(2026, 10, 5), False),
    (18, date(2026, 10, 4), True), (22, None, False)])
def test_digest_due_once_a_day_after_its_hour(hour, last, due):
    assert DeliveryWindow(WARSAW).digest_due(datetime(2026, 10, 5, hour, tzinfo=WARSAW),
                                             last) is due


def test_quiet_hours_window_on_the_winter_time_change():
    """25 October 2026: 03:00 CEST becomes 02:00 CET; the quiet hours end at 07:00 local."""
    window = DeliveryWindow(WARSAW)
    end = window.quiet_ends(datetime(2026, 10, 24, 23, 0, tzinfo=UTC))
    assert end.astimezone(WARSAW).hour == 7 and end.astimezone(UTC).hour == 6


def test_preferences_page_saves_each_kind(gradebook_app, gradebook_client):
    world = build_school()
    parent = world.parent_accounts[world.pupils["1a"][0].id]
    sign_in(gradebook_client, parent)
    page = gradebook_client.get("/notifications/preferences")
    assert page.status_code == 200 and "Powiadomienia" in page.text
    form = {"mode-message": "immediate", "mail-message": "1", "push-message": "1",
            "mode-grade": "digest", "mail-grade": "1",
            "mode-absence": "off", "mode-test": "bogus", "mode-announcement": "digest"}
    assert gradebook_client.post("/notifications/preferences", data=form).status_code == 303
    chosen = {p.kind: (p.mode, p.by_mail, p.by_push) for p in db.session.execute(
        sa.select(NotificationPreference)).scalars()}
    assert chosen == {"message": ("immediate", True, True), "grade": ("digest", True, False),
                      "absence": ("off", False, False),
                      "announcement": ("digest", False, False)}
    again = gradebook_client.get("/notifications/preferences").text
    assert 'id="mode-grade-digest" name="mode-grade" value="digest" checked' in again
    staff = world.staff_accounts["math"]
    sign_in(gradebook_client, staff)
    assert gradebook_client.get("/notifications/preferences").status_code == 200
    assert gradebook_client.get("/notifications/preferences").text.count("<fieldset") == 6


def _queued(kind):
    return {r.account_id: r for r in db.session.execute(
        sa.select(Notification).where(Notification.kind == kind)).scalars()}


def test_new_grades_tell_the_family_but_not_the_grade(gradebook_app):
    world = build_school()
    teacher, klass, math = world.staff_accounts["math"], world.classes["1a"], world.subjects["math"]
    p1, p2, _p3 = world.pupils["1a"]
    set_preference(world.parent_accounts[p2.id], GRADE, OFF)
    test = grades.add_assessment(teacher, klass.id, math.id, world.term1,
                                 world.categories["Sprawdzian"].id, None, TODAY, "Ułamki")
    g = grades.grid(world.school, klass.id, math.id, world.term1)
    grades.save_grid(teacher, world.school, g, {(p1.id, test.id): "5", (p2.id, test.id): "4"},
                     {}, world.term1, math.id)
    rows = _queued(GRADE)
    assert set(rows) == {world.parent_accounts[p1.id].id, world.pupil_accounts[p1.id].id,
                         world.pupil_accounts[p2.id].id}  # the other parent turned grades off
    assert rows[world.parent_accounts[p1.id].id].params == {"subject": "Matematyka",
                                                           "pupil": "Uczeń1"}
    g = grades.grid(world.school, klass.id, math.id, world.term1)
    grades.save_grid(teacher, world.school, g, {(p1.id, test.id): "4"}, {}, world.term1, math.id)
    assert len(_queued(GRADE)) == 3  # a corrected grade is not news


def test_absence_test_and_announcement_hooks(gradebook_app):
    world = build_school()
    teacher, klass, math = world.staff_accounts["math"], world.classes["1a"], world.subjects["math"]
    p1, p2, p3 = world.pupils["1a"]
    lesson = lessons.open_lesson(teacher, klass.id, math.id, TODAY, 1)
    lessons.save_lesson(teacher, world.school, lesson, "Ułamki", {p1.id: "absent"})
    lessons.save_lesson(teacher, world.school, lesson, "Ułamki", {p1.id: "absent", p2.id: "absent"})
    absences = db.session.execute(sa.select(Notification.account_id, Notification.params).where(
        Notification.kind == ABSENCE)).all()
    assert sorted(a for a, _p in absences) == sorted(
        [world.parent_accounts[p1.id].id, world.pupil_accounts[p1.id].id,
         world.parent_accounts[p2.id].id, world.pupil_accounts[p2.id].id])  # each once
    calendar.add_event(teacher, world.school, klass.id, "test", TODAY + timedelta(days=3),
                       "Sprawdzian z ułamków", subject_id=math.id)
    calendar.add_event(teacher, world.school, klass.id, "trip", TODAY + timedelta(days=3),
                       "Wycieczka")
    tests = _queued(TEST)
    assert len(tests) == 6 and {r.params["title"] for r in tests.values()} == {
        "Sprawdzian z ułamków"}
    announcements.publish(world.staff_accounts["admin"], "parents", None, "Zebranie", "Treść",
                          TODAY, TODAY)
    assert set(_queued(ANNOUNCEMENT)) == {a.id for a in world.parent_accounts.values()}


def test_notify_ignores_accounts_of_another_school(gradebook_app):
    world, other = build_school(), build_school("SP 9")
    foreign = other.parent_accounts[other.pupils["1a"][0].id]
    assert notify(MESSAGE, school_id=world.school.id, account_ids=[foreign.id],
                  pupil_ids=[other.pupils["1a"][0].id], params={"sender": "x"}) == 0


def test_immediate_news_waits_for_the_end_of_quiet_hours(gradebook_app, mailing):
    with at(TODAY, 21, 30):
        world = build_school()
        parent = _with_email(world.parent_accounts[world.pupils["1a"][0].id], "rodzic@example.pl")
        notify(MESSAGE, school_id=world.school.id, account_ids=[parent.id], path="/messages/1",
               params={"sender": "Anna Nowak", "subject": "Wycieczka"})
        db.session.commit()
        result = dispatcher.run()
        assert (result.mails, result.held) == (0, 1)
        assert _deliver_and_collect(mailing, 0) == []
    with at(TODAY + timedelta(days=1), 6, 59):
        assert dispatcher.run().held == 1
    with at(TODAY + timedelta(days=1), 7, 0):
        assert dispatcher.run().mails == 1
        assert dispatcher.run().mails == 0  # sent once
        (received,) = _deliver_and_collect(mailing, 1)
    assert received.recipients == ["rodzic@example.pl"]
    assert "Anna Nowak" in received.subject and "Wycieczka" in received.subject
    assert "http://127.0.0.1:5000/messages/1" in received.text()
    assert any("/notifications/stop/" in link for link in received.links())


def test_unverified_address_gets_nothing(gradebook_app, mailing):
    with at(TODAY, 12):
        world = build_school()
        parent = world.parent_accounts[world.pupils["1a"][0].id]
        parent.recovery_email = "niepotwierdzony@example.pl"
        db.session.commit()
        notify(MESSAGE, school_id=world.school.id, account_ids=[parent.id], params={})
        db.session.commit()
        assert dispatcher.run().dropped == 1
        assert _deliver_and_collect(mailing, 0) == []


def test_daily_digest_at_most_once_a_day(gradebook_app, mailing):
    day = TODAY
    with at(day, 10):
        world = build_school()
        pupil = world.pupils["1a"][0]
        parent = _with_email(world.parent_accounts[pupil.id], "rodzic@example.pl")
        for kind in (GRADE, TEST):
            set_preference(parent, kind, DIGEST)
        notify(GRADE, school_id=world.school.id, account_ids=[parent.id],
               params={"subject": "Matematyka", "pupil": "Ola"})
        notify(GRADE, school_id=world.school.id, account_ids=[parent.id],
               params={"subject": "Historia", "pupil": "Ola"})
        notify(TEST, school_id=world.school.id, account_ids=[parent.id],
               params={"subject": "Fizyka", "title": "Sprawdzian", "date": "2026-10-09"})
        db.session.commit()
        assert dispatcher.run().held == 3
    with at(day, 17, 5):
        assert dispatcher.run().digests == 1
        (digest,) = _deliver_and_collect(mailing, 1)
    assert "(3)" in digest.subject
    for text in ("Matematyka", "Historia", "Sprawdzian z przedmiotu Fizyka 09.10.2026"):
        assert text in digest.text(), digest.text()
    assert any("/notifications/stop/" in link for link in digest.links())
    with at(day, 18):
        notify(GRADE, school_id=world.school.id, account_ids=[parent.id],
               params={"subject": "Plastyka", "pupil": "Ola"})
        db.session.commit()
        result = dispatcher.run()
        assert (result.digests, result.held) == (0, 1)  # today's digest has gone
    with at(day + timedelta(days=1), 16, 59):
        assert dispatcher.run().digests == 0
    with at(day + timedelta(days=1), 17, 0):
        assert dispatcher.run().digests == 1
        mails = _deliver_and_collect(mailing, 1)
    assert len(mails) == 2 and "Plastyka" in mails[1].text() and "Matematyka" not in mails[1].text()


def test_stop_link_turns_the_kind_off_in_one_click(gradebook_app, gradebook_client, mailing):
    with at(TODAY, 12):
        world = build_school()
        parent = _with_email(world.parent_accounts[world.pupils["1a"][0].id], "rodzic@example.pl")
        notify(MESSAGE, school_id=world.school.id, account_ids=[parent.id], params={})
        db.session.commit()
        dispatcher.run()
        (received,) = _deliver_and_collect(mailing, 1)
        link = next(x for x in received.links() if "/notifications/stop/" in x)
        path = urlsplit(link).path
        page = gradebook_client.get(path)  # not signed in: the link is enough
        assert page.status_code == 200 and "Nowe wiadomości" in page.text
        assert db.session.execute(sa.select(NotificationPreference)).first() is None  # GET: no change
        assert gradebook_client.post(path, data={}).status_code == 200
        pref = db.session.get(NotificationPreference, (world.school.id, parent.id, MESSAGE))
        assert pref.mode == OFF
        assert notify(MESSAGE, school_id=world.school.id, account_ids=[parent.id]) == 0
        assert gradebook_client.get(path[:-3] + "abc").status_code == 404


def test_turning_a_kind_off_drops_what_waits(gradebook_app):
    with at(TODAY, 22):
        world = build_school()
        parent = _with_email(world.parent_accounts[world.pupils["1a"][0].id], "r@example.pl")
        notify(MESSAGE, school_id=world.school.id, account_ids=[parent.id])
        set_preference(parent, MESSAGE, OFF)
        db.session.commit()
        assert db.session.execute(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.state == PENDING)).scalar() == 0


def test_old_news_is_deleted_after_the_retention(gradebook_app):
    with at(TODAY, 12):
        world = build_school()
        parent = world.parent_accounts[world.pupils["1a"][0].id]
        notify(MESSAGE, school_id=world.school.id, account_ids=[parent.id])
        db.session.commit()
        assert dispatcher.run().dropped == 1  # no address, no device
    with at(TODAY + timedelta(days=29), 12):
        dispatcher.run()
        assert db.session.execute(sa.select(Notification)).first() is not None
    with at(TODAY + timedelta(days=31), 12):
        dispatcher.run()
        assert db.session.execute(sa.select(Notification)).first() is None


def test_cli_sends_and_generates_vapid_keys(gradebook_app):
    runner = gradebook_app.test_cli_runner()
    keys = runner.invoke(args=["notifications", "vapid-keys"])
    assert keys.exit_code == 0
    lines = dict(line.split("=", 1) for line in keys.output.strip().splitlines())
    assert len(lines["NOTIFICATIONS_VAPID_PUBLIC_KEY"]) == 87  # 65 bytes, base64url
    sent = runner.invoke(args=["notifications", "send"])
    assert sent.exit_code == 0 and "mails 0" in sent.output
