"""Families hear when a test, event or homework of their child's class is moved or withdrawn:
who is told, what not, and the mails over real SMTP in the reader's language."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from gradebook_service.calendar import services as calendar
from gradebook_service.calendar.models import Event
from gradebook_service.extensions import db
from gradebook_service.homework import services as homework
from gradebook_service.notifications import dispatcher
from gradebook_service.notifications.models import OFF, RESCHEDULED, Notification
from gradebook_service.notifications.services import family_accounts, set_preference
from gradebook_service.notifications.texts import headline
from tests.gradebook.register_factories import TODAY, build_school
from tests.gradebook.test_notifications import _deliver_and_collect, _with_email, at, mailing

__all__ = ["mailing"]  # the fixture, imported for this module's tests


def _rescheduled() -> list[Notification]:
    return list(db.session.execute(sa.select(Notification).where(
        Notification.kind == RESCHEDULED).order_by(Notification.id)).scalars())


def test_moves_and_withdrawals_reach_the_class_families_who_want_them(gradebook_app):
    with at(TODAY, 11):
        world = build_school()
        teacher, klass, math = (world.staff_accounts["math"], world.classes["1a"],
                                world.subjects["math"])
        p1, p2, _p3 = world.pupils["1a"]
        set_preference(world.parent_accounts[p2.id], RESCHEDULED, OFF)
        told = set(family_accounts(world.school.id, [p.id for p in world.pupils["1a"]]))
        told.discard(world.parent_accounts[p2.id].id)
        test = calendar.add_event(teacher, world.school, klass.id, "test",
                                  TODAY + timedelta(days=3), "Ułamki", subject_id=math.id)
        work = homework.add_homework(teacher, klass.id, math.id, TODAY, TODAY + timedelta(days=2),
                                     "Zadania 1–5")

        # a new title, a new text: not a move, nobody is told
        calendar.update_event(teacher, world.school, test, "test", test.date, "Ułamki zwykłe")
        homework.update_homework(teacher, work, work.due_on, "Zadania 1–6")
        assert _rescheduled() == []

        calendar.update_event(teacher, world.school, test, "test", TODAY + timedelta(days=4),
                              "Ułamki zwykłe")
        moved = _rescheduled()
        assert {n.account_id for n in moved} == told and len(moved) == len(told) == 5
        parent = next(n for n in moved if n.account_id == world.parent_accounts[p1.id].id)
        assert parent.path == "/family/calendar"
        assert parent.params == {"what": "test", "title": "Ułamki zwykłe",
                                 "subject": "Matematyka", "pupil": p1.first_name,
                                 "old_date": (TODAY + timedelta(days=3)).isoformat(),
                                 "date": (TODAY + timedelta(days=4)).isoformat()}

        homework.update_homework(teacher, work, TODAY + timedelta(days=4), "Zadania 1–6")
        homework.delete_homework(teacher, work)
        calendar.delete_event(teacher, test)
        rows = _rescheduled()[5:]
        assert len(rows) == 15 and {n.account_id for n in rows} == told
        withdrawn = [n.params for n in rows if "date" not in n.params]
        assert len(withdrawn) == 10
        assert {(p["what"], p["old_date"]) for p in withdrawn} == {
            ("homework", (TODAY + timedelta(days=4)).isoformat()),
            ("test", (TODAY + timedelta(days=4)).isoformat())}
        assert {n.path for n in rows} == {"/family/homework", "/family/calendar"}

        # tidying away last week's trip is not news; another class hears of nothing
        old = Event(school_id=world.school.id, class_id=klass.id, teacher_id=world.teachers[
            "math"].id, kind="trip", date=TODAY - timedelta(days=7), title="Muzeum")
        db.session.add(old)
        db.session.flush()
        calendar.delete_event(teacher, old)
        other = set(family_accounts(world.school.id, [p.id for p in world.pupils["1b"]]))
        assert len(_rescheduled()) == 20 and not other & {n.account_id for n in _rescheduled()}


def test_every_variant_has_its_own_line(gradebook_app):
    base = {"title": "Wycieczka", "old_date": "2026-10-08"}
    with gradebook_app.test_request_context():
        assert headline(RESCHEDULED, {**base, "what": "trip", "date": "2026-10-09"}) == (
            "Przeniesiono: Wycieczka z 08.10.2026 na 09.10.2026")
        assert headline(RESCHEDULED, {**base, "what": "trip"}) == "Odwołano: Wycieczka (08.10.2026)"
        assert headline(RESCHEDULED, {**base, "what": "test", "subject": "Fizyka"}) == (
            "Odwołano: Wycieczka z przedmiotu Fizyka (08.10.2026)")
        assert headline(RESCHEDULED, {"what": "homework", "subject": "Fizyka",
                                      "old_date": "2026-10-08", "date": "2026-10-12"}) == (
            "Zadanie domowe z przedmiotu Fizyka ma nowy termin: 12.10.2026 (było 08.10.2026)")


def test_a_move_at_night_is_mailed_after_the_quiet_hours_in_each_language(gradebook_app,
                                                                          mailing):
    with at(TODAY, 11):
        world = build_school()
        teacher, klass, math = (world.staff_accounts["math"], world.classes["1a"],
                                world.subjects["math"])
        p1, p2, _p3 = world.pupils["1a"]
        _with_email(world.parent_accounts[p1.id], "rodzic1@example.pl")
        ukrainian = _with_email(world.parent_accounts[p2.id], "rodzic2@example.pl")
        ukrainian.locale = "uk"
        test = Event(school_id=world.school.id, class_id=klass.id, subject_id=math.id,
                     teacher_id=world.teachers["math"].id, kind="test",
                     date=TODAY + timedelta(days=3), title="Ułamki")
        db.session.add(test)
        db.session.commit()
    with at(TODAY, 21, 30):
        calendar.update_event(teacher, world.school, test, "test", TODAY + timedelta(days=4),
                              "Ułamki")
        db.session.commit()
        result = dispatcher.run()
        assert (result.mails, result.held) == (0, 2)  # quiet hours: the parents wait
        assert _deliver_and_collect(mailing, 0) == []
    with at(TODAY + timedelta(days=1), 7, 0):
        assert dispatcher.run().mails == 2
        mails = {m.recipients[0]: m for m in _deliver_and_collect(mailing, 2)}
    pl, uk = mails["rodzic1@example.pl"], mails["rodzic2@example.pl"]
    assert "Przeniesiono: Ułamki z przedmiotu Matematyka z 08.10.2026 na 09.10.2026" in pl.subject
    assert "Перенесено: Ułamki з предмета Matematyka з 08.10.2026 на 09.10.2026" in uk.subject
    assert "http://127.0.0.1:5000/family/calendar" in pl.text()
    assert any("/notifications/stop/" in link for link in pl.links())
