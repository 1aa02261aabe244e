"""All subjects' grades of one class: averages per term and year, proposed and final grades.

The homeroom teacher sees the whole class at once (pupils × subjects). Every number
comes from the school's ``GradeRules`` (grades/averaging.py), as on the family page,
so the teacher and the family never see two different averages. A fixed number of
queries whatever the size of the class or the number of grades.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.grades.averaging import GradeRules
from gradebook_service.grades.models import (
    Assessment,
    DescriptiveGrade,
    FinalGrade,
    Grade,
    GradeCategory,
)
from gradebook_service.remarks.services import class_behaviour
from gradebook_service.school.models import (
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
)
from shared.collation import order_by_name


@dataclass
class Cell:
    """One pupil's standing in one subject."""

    averages: dict[str, Decimal | None] = field(default_factory=lambda: {
        "term1": None, "term2": None, "year": None})
    #: (period, stage) → whole grade 1–6.
    finals: dict[tuple[str, str], int] = field(default_factory=dict)
    #: period → descriptive assessment (early education).
    texts: dict[str, str] = field(default_factory=dict)
    count: int = 0


@dataclass
class Overview:
    """The class's pupils × subjects, and the pupils' behaviour grades."""

    school_class: SchoolClass
    year: SchoolYear
    pupils: list[Pupil]
    subjects: list[Subject]
    cells: dict[tuple[int, int], Cell]
    descriptive: bool
    #: (pupil_id, period, stage) → behaviour grade code.
    behaviour: dict[tuple[int, str, str], str]

    def cell(self, pupil_id: int, subject_id: int) -> Cell:
        return self.cells.get((pupil_id, subject_id)) or Cell()


def class_pupils(school_id: int, class_id: int) -> list[Pupil]:
    """The class list in register order (then Polish alphabetical order)."""
    return list(db.session.execute(sa.select(Pupil).where(
        Pupil.school_id == school_id, Pupil.class_id == class_id)
        .order_by(Pupil.register_number, *order_by_name(Pupil.last_name, Pupil.first_name))
    ).scalars())


def class_subjects(school_id: int, class_id: int) -> list[Subject]:
    """The subjects taught to the class, by name."""
    return list(db.session.execute(
        sa.select(Subject).where(Subject.school_id == school_id, Subject.id.in_(
            sa.select(TeachingAssignment.subject_id).where(
                TeachingAssignment.school_id == school_id,
                TeachingAssignment.class_id == class_id)))
        .order_by(*order_by_name(Subject.name))).scalars())


def class_overview(school: School, school_class: SchoolClass, year: SchoolYear) -> Overview:
    """Every pupil's averages, proposed/final grades (or descriptive texts) in every subject.

    Six queries: pupils, subjects, grades (with weight and category), final grades,
    descriptive texts, behaviour grades.
    """
    rules = GradeRules.from_settings(school.settings)
    descriptive = rules.is_descriptive(school_class.level)
    pupils = class_pupils(school.id, school_class.id)
    subjects = class_subjects(school.id, school_class.id)
    pupil_ids = sa.select(Pupil.id).where(Pupil.school_id == school.id,
                                          Pupil.class_id == school_class.id)
    terms = {t.id: t.number for t in year.terms}
    cells: dict[tuple[int, int], Cell] = {}
    items: dict[tuple[int, int], dict[int, list]] = {}
    for pupil_id, subject_id, term_id, value, weight, counts in db.session.execute(
            sa.select(Grade.pupil_id, Grade.subject_id, Grade.term_id, Grade.value,
                      Assessment.weight, GradeCategory.counts_to_average)
            .join(Assessment, Assessment.id == Grade.assessment_id)
            .join(GradeCategory, GradeCategory.id == Assessment.category_id)
            .where(Grade.school_id == school.id, Grade.term_id.in_(list(terms) or [-1]),
                   Grade.pupil_id.in_(pupil_ids))):
        key = (pupil_id, subject_id)
        cells.setdefault(key, Cell()).count += 1
        items.setdefault(key, {}).setdefault(terms[term_id], []).append((value, weight, counts))
    if not descriptive:
        for key, by_term in items.items():
            cells[key].averages = {
                "term1": rules.average(by_term.get(1, [])),
                "term2": rules.average(by_term.get(2, [])),
                "year": rules.average(by_term.get(1, []) + by_term.get(2, []))}
        for final in db.session.execute(sa.select(FinalGrade).where(
                FinalGrade.school_id == school.id, FinalGrade.school_year_id == year.id,
                FinalGrade.pupil_id.in_(pupil_ids))).scalars():
            cells.setdefault((final.pupil_id, final.subject_id), Cell()).finals[
                (final.period, final.stage)] = final.value
    else:
        for text in db.session.execute(sa.select(DescriptiveGrade).where(
                DescriptiveGrade.school_id == school.id,
                DescriptiveGrade.school_year_id == year.id,
                DescriptiveGrade.pupil_id.in_(pupil_ids))).scalars():
            cells.setdefault((text.pupil_id, text.subject_id), Cell()).texts[
                text.period] = text.text
    behaviour = class_behaviour(school.id, school_class.id, year.id)
    return Overview(school_class, year, pupils, subjects, cells, descriptive, behaviour)
