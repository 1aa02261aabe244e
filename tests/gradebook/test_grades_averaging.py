"""Grade values and weighted averages (docs/architecture.md section 4), with per-school settings."""

from decimal import Decimal

import pytest

from gradebook_service.grades.averaging import GradeRules, InvalidGrade, parse_final

DEFAULT = GradeRules()


@pytest.mark.parametrize(("mark", "value"), [
    ("1", Decimal(1)), ("6", Decimal(6)), ("4+", Decimal("4.5")), ("5-", Decimal("4.75")),
    ("+4", Decimal("4.5")), (" 3 - ", Decimal("2.75")), ("2+", Decimal("2.5")),
    ("np", None), ("NB", None), ("bz", None), ("+", None), ("-", None),
])
def test_default_values(mark, value):
    assert DEFAULT.value(mark) == value


@pytest.mark.parametrize("mark", ["0", "7", "4++", "abc", "", "4.5", "5/6"])
def test_rejects_what_is_not_a_grade(mark):
    with pytest.raises(InvalidGrade):
        DEFAULT.value(mark)


@pytest.mark.parametrize(("items", "expected"), [
    ([], None),
    ([("5", 1, True)], Decimal("5.00")),
    ([("5", 3, True), ("3", 1, True)], Decimal("4.50")),           # (15+3)/4
    ([("4+", 2, True), ("5-", 2, True)], Decimal("4.63")),          # (9+9.5)/4 = 4.625 → half up
    ([("np", 5, True), ("4", 1, True)], Decimal("4.00")),           # np shown, not averaged
    ([("+", 1, True), ("-", 1, True)], None),                       # only non-average marks
    ([("6", 1, False), ("2", 1, True)], Decimal("2.00")),           # category not counted
    ([("6", 0, True), ("2", 1, True)], Decimal("2.00")),            # weight 0 not counted
    ([("1", 5, True), ("6", 1, True), ("3+", 2, True)], Decimal("2.25")),  # (5 + 6 + 7) / 8
])
def test_weighted_average_default_rules(items, expected):
    assert DEFAULT.average(items) == expected


@pytest.mark.parametrize(("settings", "mark", "value"), [
    ({"grades": {"plus": 0.3, "minus": 0.3}}, "4+", Decimal("4.3")),
    ({"grades": {"plus": 0.3, "minus": 0.3}}, "4-", Decimal("3.7")),
    ({"grades": {"plus": "0.33", "minus": "0.33"}}, "2-", Decimal("1.67")),
    ({"grades": {"values": {"6-": 5.75}}}, "6-", Decimal("5.75")),
    ({"grades": {"non_average": ["np", "bz"]}}, "np", None),
])
def test_school_settings_change_values(settings, mark, value):
    assert GradeRules.from_settings(settings).value(mark) == value


def test_school_can_drop_a_non_average_mark_and_disallow_marks():
    rules = GradeRules.from_settings({"grades": {"non_average": ["np"], "disallowed": ["6+"]}})
    with pytest.raises(InvalidGrade):
        rules.value("nb")
    with pytest.raises(InvalidGrade):
        rules.value("6+")
    assert rules.value("5+") == Decimal("5.5")


def test_school_settings_change_the_average():
    rules = GradeRules.from_settings({"grades": {"plus": 0.25, "minus": 0.25, "decimals": 1}})
    assert rules.average([("4+", 1, True), ("5-", 1, True)]) == Decimal("4.5")  # (4.25+4.75)/2


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("6", 6), (" 4 ", 4)])
def test_final_grades_are_whole(text, value):
    assert parse_final(text) == value


@pytest.mark.parametrize("text", ["0", "7", "4+", "np", "", "4.5"])
def test_final_grades_reject_others(text):
    with pytest.raises(InvalidGrade):
        parse_final(text)
