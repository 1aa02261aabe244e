"""Clashes in a weekly timetable: one teacher, one room or one class twice in one period.

A pure rule (no Flask app, no database), like ``grades/averaging.py``: the
planning page and the import feed it plain ``PlannedLesson`` values and show
the ``Clash`` messages, which name the other class, teacher or room, the day
and the period. Two groups of one class (e.g. English groups) may have
lessons in the same period; the whole class and any of its groups may not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

TEACHER = "teacher"
ROOM = "room"
CLASS = "class"

#: ISO weekday (1 = Monday) → its name, as the timetable shows it.
WEEKDAYS = {1: _l("Monday"), 2: _l("Tuesday"), 3: _l("Wednesday"), 4: _l("Thursday"),
            5: _l("Friday")}


@dataclass(frozen=True)
class PlannedLesson:
    """One weekly slot as the clash rule sees it (names only for the messages)."""

    weekday: int
    period: int
    class_id: int
    class_name: str
    subject_name: str
    teacher_id: int
    teacher_name: str
    room: str | None = None
    group_id: int | None = None
    group_name: str | None = None
    #: The stored entry this is (so an edited entry does not clash with itself).
    entry_id: int | None = None

    @property
    def room_key(self) -> str | None:
        """The room as compared: trimmed, case-folded; None when no room is given."""
        room = (self.room or "").strip().casefold()
        return room or None

    @property
    def who(self) -> str:
        """The class (and group) for a message: "1a" or "1a (gr. ang. 1)"."""
        return f"{self.class_name} ({self.group_name})" if self.group_name else self.class_name


@dataclass(frozen=True)
class Clash:
    """``lesson`` cannot take its slot because ``other`` holds the same teacher, room or class."""

    kind: str
    lesson: PlannedLesson
    other: PlannedLesson

    @property
    def message(self) -> str:
        """A sentence naming the other lesson's class, teacher or room, the day and the period."""
        other = self.other
        where = {"day": WEEKDAYS.get(other.weekday, str(other.weekday)), "period": other.period}
        if self.kind == TEACHER:
            return str(_l("%(day)s, period %(period)d: %(teacher)s already teaches class "
                          "%(cls)s (%(subject)s).", teacher=other.teacher_name,
                          subject=other.subject_name, cls=other.who, **where))
        if self.kind == ROOM:
            return str(_l("%(day)s, period %(period)d: room %(room)s is taken by class %(cls)s "
                          "(%(subject)s, %(teacher)s).", room=other.room.strip(),
                          cls=other.who, subject=other.subject_name,
                          teacher=other.teacher_name, **where))
        return str(_l("%(day)s, period %(period)d: class %(cls)s already has a lesson "
                      "(%(subject)s, %(teacher)s).", cls=other.who, subject=other.subject_name,
                      teacher=other.teacher_name, **where))


def _classes_overlap(a: PlannedLesson, b: PlannedLesson) -> bool:
    """True when the two lessons need the same pupils: same class, and not two different groups."""
    if a.class_id != b.class_id:
        return False
    return a.group_id is None or b.group_id is None or a.group_id == b.group_id


def clashes_with(lesson: PlannedLesson, others: Iterable[PlannedLesson]) -> list[Clash]:
    """Every clash of ``lesson`` with ``others`` (itself, by ``entry_id``, excluded)."""
    found: list[Clash] = []
    for other in others:
        if (other.weekday, other.period) != (lesson.weekday, lesson.period):
            continue
        if lesson.entry_id is not None and other.entry_id == lesson.entry_id:
            continue
        if other.teacher_id == lesson.teacher_id:
            found.append(Clash(TEACHER, lesson, other))
        if lesson.room_key is not None and other.room_key == lesson.room_key:
            found.append(Clash(ROOM, lesson, other))
        if _classes_overlap(lesson, other):
            found.append(Clash(CLASS, lesson, other))
    return found


def clashes_among(lessons: Iterable[PlannedLesson],
                  fixed: Iterable[PlannedLesson] = ()) -> dict[int, list[Clash]]:
    """Clashes of each of ``lessons`` (by position) with the ones before it and with ``fixed``.

    A whole new timetable (an import) is checked in one pass: each lesson is
    compared only with the lessons of its own period, so the work grows with
    the lessons per period, not with the square of the timetable.
    """
    by_slot: dict[tuple[int, int], list[PlannedLesson]] = {}
    for other in fixed:
        by_slot.setdefault((other.weekday, other.period), []).append(other)
    result: dict[int, list[Clash]] = {}
    for index, lesson in enumerate(lessons):
        slot = by_slot.setdefault((lesson.weekday, lesson.period), [])
        found = clashes_with(lesson, slot)
        if found:
            result[index] = found
        slot.append(lesson)
    return result
