"""Moje wpisy, the read receipts and the week plan cost a fixed number of SQL queries,
whatever the number of entries, readers and lessons (issue 14)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from gradebook_service.announcements.models import Announcement
from gradebook_service.extensions import db
from gradebook_service.timetable.models import TimetableChange, TimetableEntry
from tests.gradebook.register_factories import TODAY, add_register, build_school, sign_in
from tests.gradebook.test_register_query_counts import _counts, _more_data


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield


KINDS = ("homework", "event", "announcement", "remark", "assessment")


def _more_week(world, n: int) -> None:
    """n more lessons a day for the maths teacher, and substitutions and cancellations."""
    school = world.school
    for weekday in range(1, 6):
        for period in range(1, n + 1):
            db.session.add(TimetableEntry(
                school_id=school.id, school_year_id=world.year.id,
                class_id=world.classes["1b"].id, weekday=weekday, period_number=10 + period,
                subject_id=world.subjects["math"].id, teacher_id=world.teachers["math"].id,
                room=str(period)))
            db.session.add(TimetableChange(
                school_id=school.id, class_id=world.classes["1b"].id,
                date=TODAY + timedelta(days=weekday - 1), period_number=10 + period,
                kind="cancellation" if period % 2 else "room_change", room="7"))
        db.session.add(TimetableChange(
            school_id=school.id, class_id=world.classes["1a"].id,
            date=TODAY + timedelta(days=weekday - 1), period_number=20 + n, kind="substitution",
            teacher_id=world.teachers["math"].id, subject_id=world.subjects["math"].id))
    db.session.commit()


def test_my_entries_read_receipts_and_week_plan_constant_queries(gradebook_app,
                                                                 gradebook_client, frozen):
    world = build_school(pupils_per_class=3, lessons=True, scale=1)
    _more_data(world, 2)
    announcement = db.session.query(Announcement).first()
    math = world.staff_accounts["math"]
    urls = [*(f"/staff/entries?kind={kind}" for kind in KINDS),
            "/staff/entries?kind=homework&page=2",
            f"/staff/announcements/{announcement.id}/reads", "/staff/week",
            f"/staff/week?week={(TODAY + timedelta(days=7)).isoformat()}"]
    # some readers, so the receipts page has both kinds of row
    for pupil in world.pupils["1a"][:2]:
        sign_in(gradebook_client, world.parent_accounts[pupil.id])
        gradebook_client.get("/family/announcements")
    sign_in(gradebook_client, math)
    small = _counts(gradebook_client, db.engine, urls)

    add_register(world, scale=10, first_week=5)  # 10× lessons, grades and columns
    _more_data(world, 40)                         # 40× homework, events, announcements, remarks
    _more_week(world, 4)
    for pupil in world.pupils["1a"][2:] + world.pupils["1b"]:
        sign_in(gradebook_client, world.parent_accounts[pupil.id])
        gradebook_client.get("/family/announcements")
    sign_in(gradebook_client, math)
    large = _counts(gradebook_client, db.engine, urls)
    print(small)
    assert large == small
    assert max(small.values()) <= 12, small
    # The week plan looks its free days up once (the plan and the headings share them).
    week_urls = [url for url in urls if url.startswith("/staff/week")]
    assert [small[url] for url in week_urls] == [10, 10], small
