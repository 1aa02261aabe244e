"""The pure classification rules: risk, average, promotion and honours (Polish school law)."""

from decimal import Decimal

import pytest

from gradebook_service.grades.classification import (
    FAILING_GRADE,
    HONOURS,
    INCOMPLETE,
    LOW_ATTENDANCE,
    NOT_PROMOTED,
    PROMOTED,
    ClassificationRules,
)

RULES = ClassificationRules()


@pytest.mark.parametrize(("attendance", "grades", "reasons"), [
    (100.0, [5, 4], ()),
    (50.0, [5], ()),  # exactly half attended: classified by law, not at risk
    (49.9, [5], (LOW_ATTENDANCE,)),
    (0.0, [], (LOW_ATTENDANCE,)),
    (None, [], ()),  # nothing counted yet: no risk read from nothing
    (None, [1], (FAILING_GRADE,)),
    (90.0, [2, None, 1], (FAILING_GRADE,)),
    (30.0, [1], (LOW_ATTENDANCE, FAILING_GRADE)),
    (90.0, [2, 2, 2], ()),
])
def test_risks(attendance, grades, reasons):
    assert RULES.risks(attendance, grades) == reasons


def test_the_threshold_is_the_schools():
    rules = ClassificationRules.from_settings({"classification": {"attendance_threshold": "80"}})
    assert rules.attendance_threshold == Decimal(80)
    assert rules.risks(79.9, []) == (LOW_ATTENDANCE,)
    assert rules.risks(80, []) == ()


@pytest.mark.parametrize("settings", [None, {}, {"classification": None},
                                      {"classification": {"attendance_threshold": "abc"}},
                                      {"classification": {"attendance_threshold": 150}},
                                      {"classification": {"attendance_threshold": -1}}])
def test_missing_or_malformed_threshold_keeps_the_legal_default(settings):
    assert ClassificationRules.from_settings(settings).attendance_threshold == Decimal(50)


@pytest.mark.parametrize(("finals", "behaviour", "average", "result"), [
    ({1: 5, 2: 5, 3: 4}, "very_good", Decimal("4.67"), PROMOTED),  # 4.67 < 4.75
    ({1: 5, 2: 5, 3: 5, 4: 4}, "very_good", Decimal("4.75"), HONOURS),  # exactly 4.75
    ({1: 5, 2: 5, 3: 5, 4: 4}, "exemplary", Decimal("4.75"), HONOURS),
    ({1: 6, 2: 6}, "good", Decimal("6.00"), PROMOTED),  # behaviour below very good
    ({1: 6, 2: 6}, None, Decimal("6.00"), PROMOTED),  # no behaviour grade: no honours
    ({1: 6, 2: 1}, "exemplary", Decimal("3.50"), NOT_PROMOTED),
    ({1: 1, 2: None}, "good", Decimal("1.00"), NOT_PROMOTED),  # a 1 decides already
    ({1: 5, 2: None}, "good", Decimal("5.00"), INCOMPLETE),
    ({}, "good", None, INCOMPLETE),
    ({1: 2, 2: 2, 3: 3}, "reprehensible", Decimal("2.33"), PROMOTED),
    ({1: 4, 2: 5, 3: 5}, "very_good", Decimal("4.67"), PROMOTED),
    ({1: 5, 2: 5, 3: 5, 4: 5, 5: 5, 6: 4, 7: 4}, "very_good", Decimal("4.71"), PROMOTED),
])
def test_classify(finals, behaviour, average, result):
    outcome = RULES.classify(finals, behaviour)
    assert (outcome.average, outcome.result) == (average, result)
    assert outcome.missing == tuple(k for k, v in finals.items() if v is None)


def test_average_rounds_half_up():
    # 4.745 → 4.75 (half up), not 4.74 (banker's): the pupil gets honours
    outcome = RULES.classify(dict(enumerate([5] * 149 + [4] * 51)), "very_good")
    assert outcome.average == Decimal("4.75") and outcome.result == HONOURS


@pytest.mark.parametrize(("finals", "result"), [
    ({1: True, 2: True}, PROMOTED), ({1: True, 2: None}, INCOMPLETE), ({}, INCOMPLETE)])
def test_descriptive_classes_have_no_average(finals, result):
    outcome = RULES.classify(finals, "exemplary", descriptive=True)
    assert outcome.average is None and outcome.result == result
