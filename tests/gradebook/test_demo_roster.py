"""The demo roster for large schools (the load scenarios seed 72 classes and more)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from gradebook_service.demo.people import DemoShape, build_roster


@pytest.mark.timeout(60)
def test_a_school_larger_than_the_name_lists_gets_distinct_pupils():
    """~1,000 single-name pupils exist; 10 × 8 classes of 26 once looped forever looking for more."""
    shape = DemoShape(levels=tuple(range(1, 9)), sections=tuple("abcdefghij"),
                      pupils_per_class=(26, 26))
    rows = list(csv.DictReader(io.StringIO(build_roster(shape, date(2026, 9, 1)).csv_text)))
    pupils = {(r["pupil_first_name"], r["pupil_last_name"], r["class"]) for r in rows}
    names = {(first, last) for first, last, _class in pupils}
    assert len(pupils) >= 80 * 26
    # Every pupil but the demo's two siblings (who share their mother's row pair) has a name
    # of their own, and the school needed second given names to get there.
    assert len(names) == len(pupils)
    assert any(" " in first for first, _last in names)


def test_the_usual_demo_school_keeps_single_given_names():
    shape = DemoShape(levels=tuple(range(1, 9)), sections=("a", "b"), pupils_per_class=(22, 26))
    rows = list(csv.DictReader(io.StringIO(build_roster(shape, date(2026, 9, 1)).csv_text)))
    assert not any(" " in r["pupil_first_name"] for r in rows)
