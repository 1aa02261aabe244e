"""The columns of one held lesson, and who substituted in it.

A substitute teaches one lesson of a class and subject that are not theirs. They may
grade what happened in that lesson - columns they add, dated the lesson's day - and
nothing else of the term: the class's grid stays the subject teacher's
(accounts/access.py ``may_grade_lesson``). Saving reuses grades/services.py, so the
checks, the change log and the families' notifications are the grid's.
"""

from __future__ import annotations

import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.grades.services import Grid, grid
from gradebook_service.lessons.models import Lesson
from gradebook_service.school.models import School, Term
from gradebook_service.timetable.models import SUBSTITUTION, TimetableChange


def substitute_for(lesson: Lesson) -> int | None:
    """The teacher a substitution names for the lesson's slot (None when it had none)."""
    return db.session.execute(sa.select(TimetableChange.teacher_id).where(
        TimetableChange.school_id == lesson.school_id,
        TimetableChange.class_id == lesson.class_id, TimetableChange.date == lesson.date,
        TimetableChange.period_number == lesson.period_number,
        TimetableChange.kind == SUBSTITUTION)).scalar_one_or_none()


def lesson_or_none(school_id: int, lesson_id: int) -> Lesson | None:
    """A lesson of the school (another school's lesson is None)."""
    return db.session.execute(sa.select(Lesson).where(
        Lesson.id == lesson_id, Lesson.school_id == school_id)).scalar_one_or_none()


def lesson_grid(school: School, lesson: Lesson, term: Term, staff_id: int) -> Grid:
    """The class list with only the columns ``staff_id`` added on the lesson's day.

    Cells of any other column are ignored by ``save_grid`` (it saves only the grid's
    columns), so a substitute cannot reach the term's other grades by a forged form;
    proposed and final grades are left out for the same reason.
    """
    full = grid(school, lesson.class_id, lesson.subject_id, term)
    columns = [a for a in full.assessments
               if a.date == lesson.date and a.teacher_id == staff_id]
    ids = {a.id for a in columns}
    return Grid(full.pupils, columns,
                {key: g for key, g in full.grades.items() if key[1] in ids}, {}, {})
