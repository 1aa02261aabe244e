"""The homeroom pages and the classification exports cost the same number of queries for a
class of 3 as for a class of 25 with three times the lessons and grades."""

from datetime import UTC, datetime

import pytest
import time_machine

from gradebook_service.extensions import db
from tests.gradebook.homeroom_factories import add_pupils, give_behaviour, give_final
from tests.gradebook.register_factories import TODAY, add_register, build_school, sign_in
from tests.gradebook.test_register_query_counts import _counts


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield


def _finals(world) -> None:
    for i, pupil in enumerate(world.pupils["1a"]):
        for key in ("math", "polish", "history"):
            give_final(world, pupil, key, 1 + (i + len(key)) % 6)
            give_final(world, pupil, key, 2 + i % 5, period="term", stage="proposed")
        give_behaviour(world, pupil, "very_good" if i % 2 else "good")
    db.session.commit()


@pytest.mark.parametrize("level", [4, 2])  # graded 1–6, and descriptive early education
def test_homeroom_pages_constant_queries_for_a_class_of_25(gradebook_app, gradebook_client,
                                                           frozen, level):
    world = build_school(pupils_per_class=3, lessons=True, scale=1, level=level)
    base = f"/staff/classes/{world.classes['1a'].id}/homeroom"
    urls = [f"{base}/", f"{base}/?period=year", f"{base}/attendance", f"{base}/risks",
            f"{base}/classification?period=year", f"{base}/classification.pdf?period=year",
            f"{base}/classification.csv?period=term"]
    sign_in(gradebook_client, world.staff_accounts["math"])
    small = _counts(gradebook_client, db.engine, urls)
    add_pupils(world, "1a", 22)
    add_register(world, scale=3, first_week=5)  # 3× the lessons, attendance and grades
    _finals(world)
    large = _counts(gradebook_client, db.engine, urls)
    assert len(world.pupils["1a"]) == 25
    assert large == small
    assert max(small.values()) <= 20, small
