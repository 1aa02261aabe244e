"""The clash rule: one teacher, one room, one class (or group) once per period — and named."""

from itertools import product

import pytest

from gradebook_service.timetable.clashes import (
    CLASS,
    ROOM,
    TEACHER,
    PlannedLesson,
    clashes_among,
    clashes_with,
)


def lesson(weekday=1, period=1, class_id=1, teacher_id=10, room="12", group_id=None,
           entry_id=None, subject="Matematyka"):
    names = {1: "1a", 2: "1b"}
    teachers = {10: "Anna Nowak", 11: "Jan Kowalski"}
    groups = {None: None, 100: "gr. 1", 101: "gr. 2"}
    return PlannedLesson(weekday, period, class_id, names[class_id], subject, teacher_id,
                         teachers[teacher_id], room, group_id, groups[group_id], entry_id)


def kinds(candidate, others):
    return sorted(c.kind for c in clashes_with(candidate, others))


# Every combination of same/different teacher, room and class in one period.
@pytest.mark.parametrize(("same_teacher", "same_room", "same_class"),
                         list(product((True, False), repeat=3)))
def test_each_resource_clashes_alone_and_together(same_teacher, same_room, same_class):
    existing = lesson()
    candidate = lesson(teacher_id=10 if same_teacher else 11, room="12" if same_room else "14",
                       class_id=1 if same_class else 2)
    expected = sorted([k for k, on in ((TEACHER, same_teacher), (ROOM, same_room),
                                       (CLASS, same_class)) if on])
    assert kinds(candidate, [existing]) == expected


@pytest.mark.parametrize(("weekday", "period"), [(1, 2), (2, 1), (5, 8)])
def test_another_day_or_period_never_clashes(weekday, period):
    assert kinds(lesson(weekday=weekday, period=period), [lesson()]) == []


@pytest.mark.parametrize(("room_a", "room_b", "clash"), [
    ("12", "12", True), ("Sala 12", " sala 12 ", True), ("12", "12a", False),
    (None, None, False), ("", "", False), ("  ", "  ", False), ("12", None, False),
])
def test_rooms_compared_trimmed_and_case_folded_and_no_room_never_clashes(room_a, room_b,
                                                                          clash):
    found = kinds(lesson(class_id=2, teacher_id=11, room=room_a),
                  [lesson(room=room_b)])
    assert found == ([ROOM] if clash else [])


@pytest.mark.parametrize(("group_a", "group_b", "clash"), [
    (None, None, True),    # the whole class twice
    (None, 100, True),     # the whole class and one of its groups
    (100, None, True),
    (100, 100, True),      # the same group twice
    (100, 101, False),     # two groups of the class in parallel (language groups)
])
def test_groups_of_a_class(group_a, group_b, clash):
    found = kinds(lesson(teacher_id=11, room="14", group_id=group_a),
                  [lesson(group_id=group_b)])
    assert found == ([CLASS] if clash else [])


def test_an_edited_entry_does_not_clash_with_itself():
    stored = lesson(entry_id=7)
    assert kinds(lesson(entry_id=7, room="14"), [stored]) == []
    assert kinds(lesson(entry_id=8), [stored]) == [CLASS, ROOM, TEACHER]
    # a new lesson (no id) is never "itself"
    assert kinds(lesson(), [lesson()]) == [CLASS, ROOM, TEACHER]


def test_messages_name_the_other_class_teacher_room_day_and_period():
    other = lesson(class_id=2, weekday=3, period=4, room="Sala 7", group_id=101)
    candidate = lesson(weekday=3, period=4, room="sala 7")
    messages = {c.kind: c.message for c in clashes_with(candidate, [other])}
    assert set(messages) == {TEACHER, ROOM}
    assert messages[TEACHER] == ("Wednesday, period 4: Anna Nowak already teaches class 1b "
                                 "(gr. 2) (Matematyka).")
    assert messages[ROOM] == ("Wednesday, period 4: room Sala 7 is taken by class 1b (gr. 2) "
                              "(Matematyka, Anna Nowak).")
    same_class = clashes_with(lesson(teacher_id=11, room=None), [lesson(subject="Historia")])
    assert [c.message for c in same_class] == [
        "Monday, period 1: class 1a already has a lesson (Historia, Anna Nowak)."]


def test_messages_in_polish(gradebook_app):
    with gradebook_app.test_request_context(headers={"Accept-Language": "pl"}):
        [clash] = clashes_with(lesson(class_id=2, room="14"), [lesson()])
        assert clash.message == ("Poniedziałek, lekcja 1: Anna Nowak ma już lekcję w klasie 1a "
                                 "(Matematyka).")


def test_clashes_among_a_whole_timetable_name_the_earlier_row_and_the_fixed_lessons():
    fixed = [lesson(class_id=2, teacher_id=11, room="20", weekday=2, period=3)]
    rows = [
        lesson(),                                    # 0: fine
        lesson(period=2),                            # 1: fine
        lesson(class_id=2, room="14"),               # 2: Anna Nowak twice in period 1
        lesson(weekday=2, period=3, room="20"),      # 3: room 20 held by the fixed lesson
        lesson(teacher_id=11, room="15", period=2),  # 4: class 1a twice in period 2
    ]
    found = clashes_among(rows, fixed)
    assert sorted(found) == [2, 3, 4]
    assert [(c.kind, c.other) for c in found[2]] == [(TEACHER, rows[0])]
    assert [(c.kind, c.other) for c in found[3]] == [(ROOM, fixed[0])]
    assert [(c.kind, c.other) for c in found[4]] == [(CLASS, rows[1])]
    assert clashes_among([]) == {}
