"""The week's plan: substitutions, cancellations and room changes on the right dates only."""

from datetime import timedelta

from gradebook_service.extensions import db
from gradebook_service.timetable.models import TimetableChange
from gradebook_service.timetable.services import class_plan, teacher_plan
from tests.gradebook.register_factories import TODAY, build_school


def _change(world, **kw):
    db.session.add(TimetableChange(school_id=world.school.id, class_id=world.classes["1a"].id,
                                   **kw))
    db.session.flush()


def test_plain_week(gradebook_app):
    world = build_school()
    slots = class_plan(world.school.id, world.classes["1a"].id, TODAY)
    assert [(s.date.isoweekday(), s.period_number, s.subject_name) for s in slots] == [
        (1, 1, "Matematyka"), (1, 2, "Język polski"), (1, 3, "Historia"),
        (2, 1, "Język polski"), (2, 2, "Matematyka")]
    assert slots[0].starts_at.strftime("%H:%M") == "08:00"


def test_substitution_cancellation_room_change_apply_to_their_date(gradebook_app):
    world = build_school()
    next_monday = TODAY + timedelta(days=7)
    _change(world, date=TODAY, period_number=1, kind="substitution",
            teacher_id=world.teachers["history"].id, subject_id=world.subjects["history"].id,
            note="Zastępstwo")
    _change(world, date=TODAY, period_number=2, kind="cancellation")
    _change(world, date=TODAY + timedelta(days=1), period_number=1, kind="room_change", room="99")
    _change(world, date=TODAY + timedelta(days=2), period_number=4, kind="substitution",
            teacher_id=world.teachers["polish"].id, subject_id=world.subjects["polish"].id)
    slots = class_plan(world.school.id, world.classes["1a"].id, TODAY)
    first = slots[0]
    assert (first.status, first.teacher_name, first.subject_name) == (
        "substitution", "Ewa Wiśniewska", "Historia")
    assert first.original_teacher_name == "Anna Nowak"
    assert first.original_subject_name == "Matematyka"
    assert slots[1].status == "cancellation" and slots[1].cancelled
    tuesday = [s for s in slots if s.date == TODAY + timedelta(days=1)]
    assert tuesday[0].room == "99" and tuesday[0].status == "room_change"
    extra = [s for s in slots if s.date == TODAY + timedelta(days=2)]
    assert len(extra) == 1 and extra[0].teacher_name == "Jan Kowalski"
    # the following week is untouched
    later = class_plan(world.school.id, world.classes["1a"].id, next_monday)
    assert all(s.status == "normal" for s in later)
    assert later[0].teacher_name == "Anna Nowak"


def test_teacher_plan_follows_substitutions(gradebook_app):
    world = build_school()
    _change(world, date=TODAY, period_number=1, kind="substitution",
            teacher_id=world.teachers["history"].id)
    math = teacher_plan(world.school.id, world.teachers["math"].id, TODAY)
    history = teacher_plan(world.school.id, world.teachers["history"].id, TODAY)
    assert [(s.class_name, s.period_number) for s in math] == [("1b", 4)]
    assert [(s.class_name, s.period_number, s.status) for s in history] == [
        ("1a", 1, "substitution"), ("1a", 3, "normal"), ("1b", 6, "normal")]
    assert teacher_plan(world.school.id, world.teachers["history"].id,
                        TODAY + timedelta(days=7))[0].status == "normal"


def test_admin_enters_a_substitution_teacher_cannot(gradebook_app, gradebook_client):
    from tests.gradebook.register_factories import sign_in

    world = build_school()
    sign_in(gradebook_client, world.staff_accounts["math"])
    assert gradebook_client.get("/staff/timetable/changes").status_code == 404
    sign_in(gradebook_client, world.staff_accounts["admin"])
    page = gradebook_client.get("/staff/timetable/changes?lang=en")
    assert page.status_code == 200
    missing = gradebook_client.post("/staff/timetable/changes", data={
        "class_id": world.classes["1a"].id, "date": TODAY.isoformat(), "period": 1,
        "kind": "substitution"})
    assert missing.status_code == 422
    saved = gradebook_client.post("/staff/timetable/changes", data={
        "class_id": world.classes["1a"].id, "date": TODAY.isoformat(), "period": 1,
        "kind": "substitution", "teacher_id": world.teachers["history"].id, "note": "Choroba"})
    assert saved.status_code == 303
    slots = class_plan(world.school.id, world.classes["1a"].id, TODAY)
    assert slots[0].status == "substitution" and slots[0].teacher_name == "Ewa Wiśniewska"
    other = build_school("Inna")
    foreign = gradebook_client.post("/staff/timetable/changes", data={
        "class_id": other.classes["1a"].id, "date": TODAY.isoformat(), "period": 1,
        "kind": "cancellation"})
    assert foreign.status_code == 404
    change = db.session.execute(db.select(TimetableChange)).scalar_one()
    assert gradebook_client.post(f"/staff/timetable/changes/{change.id}/delete",
                                 data={}).status_code == 303
    assert db.session.execute(db.select(TimetableChange)).first() is None
