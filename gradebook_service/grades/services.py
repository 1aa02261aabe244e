"""Grade entry (class grid), proposed and final grades, and a pupil's grades with averages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.grades.averaging import GradeRules, InvalidGrade, parse_final
from gradebook_service.grades.descriptive import pupil_texts
from gradebook_service.grades.models import (
    FINAL,
    PROPOSED,
    TERM,
    YEAR,
    Assessment,
    DescriptiveGrade,
    FinalGrade,
    Grade,
    GradeCategory,
)
from gradebook_service.history.services import record_change
from gradebook_service.notifications.hooks import grades_added
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import (
    Pupil,
    School,
    SchoolYear,
    StaffMember,
    Subject,
    TeachingAssignment,
    Term,
)
from shared.collation import order_by_name
from shared.database import utcnow

#: A new school's categories: school data, named as Polish schools name them (a school may
#: rename them or add its own).
DEFAULT_CATEGORIES = (("Sprawdzian", 5, True, "red"), ("Kartkówka", 3, True, "orange"),
                      ("Odpowiedź ustna", 2, True, "green"), ("Praca domowa", 1, True, "purple"),
                      ("Aktywność", 1, True, "teal"), ("Test diagnostyczny", 1, False, "grey"))


class GradeError(Exception):
    """Grade entry failed; ``message`` says why, ``cells`` maps grid cells to their problem."""

    def __init__(self, message, cells: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.cells = cells or {}


def rules_for(school: School) -> GradeRules:
    return GradeRules.from_settings(school.settings)


def categories(school_id: int) -> list[GradeCategory]:
    return list(db.session.execute(sa.select(GradeCategory).where(
        GradeCategory.school_id == school_id).order_by(GradeCategory.name)).scalars())


def ensure_categories(school_id: int) -> list[GradeCategory]:
    """The school's categories, creating the defaults the first time."""
    existing = categories(school_id)
    if existing:
        return existing
    for name, weight, counts, colour in DEFAULT_CATEGORIES:
        db.session.add(GradeCategory(school_id=school_id, name=name, weight=weight,
                                     counts_to_average=counts, colour=colour))
    db.session.flush()
    return categories(school_id)


# --- teacher: the grid -------------------------------------------------------------------

@dataclass
class Grid:
    """A class's grades in one subject and term."""

    pupils: list[Pupil]
    assessments: list[Assessment]
    grades: dict[tuple[int, int], Grade]
    finals: dict[tuple[int, str, str], FinalGrade]
    averages: dict[int, Decimal | None]


def grid(school: School, class_id: int, subject_id: int, term: Term) -> Grid:
    """Pupils × assessments with each grade, the term average and proposed/final grades."""
    pupils = list(db.session.execute(sa.select(Pupil).where(
        Pupil.school_id == school.id, Pupil.class_id == class_id)
        .order_by(Pupil.register_number,
                  *order_by_name(Pupil.last_name, Pupil.first_name))).scalars())
    assessments = list(db.session.execute(
        sa.select(Assessment).where(Assessment.school_id == school.id,
                                    Assessment.class_id == class_id,
                                    Assessment.subject_id == subject_id,
                                    Assessment.term_id == term.id)
        .order_by(Assessment.date, Assessment.id)
        .options(sa.orm.joinedload(Assessment.category))).scalars())
    grades = {(g.pupil_id, g.assessment_id): g for g in db.session.execute(
        sa.select(Grade).join(Pupil, Pupil.id == Grade.pupil_id)
        .where(Grade.school_id == school.id, Grade.subject_id == subject_id,
               Grade.term_id == term.id, Pupil.school_id == school.id,
               Pupil.class_id == class_id)).scalars()}
    finals = {(f.pupil_id, f.period, f.stage): f for f in db.session.execute(
        sa.select(FinalGrade).join(Pupil, Pupil.id == FinalGrade.pupil_id)
        .where(FinalGrade.school_id == school.id, FinalGrade.subject_id == subject_id,
               FinalGrade.school_year_id == term.school_year_id, Pupil.school_id == school.id,
               Pupil.class_id == class_id)).scalars()}
    rules = rules_for(school)
    by_id = {a.id: a for a in assessments}
    averages = {}
    for pupil in pupils:
        items = [(g.value, by_id[aid].weight, by_id[aid].category.counts_to_average)
                 for (pid, aid), g in grades.items() if pid == pupil.id and aid in by_id]
        averages[pupil.id] = rules.average(items)
    return Grid(pupils, assessments, grades, finals, averages)


def add_assessment(account: SchoolAccount, class_id: int, subject_id: int, term: Term,
                   category_id: int, weight: int | None, day: date,
                   description: str) -> Assessment:
    """Add a column to the grid (weight defaults to the category's)."""
    category = get_owned(GradeCategory, account.school_id, category_id)
    if category is None or category.school_id != account.school_id or not category.active:
        raise GradeError(_l("Choose a category."))
    if weight is not None and not 0 <= weight <= 10:
        raise GradeError(_l("The weight must be between 0 and 10."))
    assessment = Assessment(school_id=account.school_id, class_id=class_id, subject_id=subject_id,
                            term_id=term.id, teacher_id=account.staff_id, category_id=category.id,
                            weight=category.weight if weight is None else weight, date=day,
                            description=(description or "").strip()[:200])
    db.session.add(assessment)
    db.session.flush()
    return assessment


def _column_snapshot(assessment: Assessment) -> dict:
    return {"text": assessment.description, "category_id": assessment.category_id,
            "weight": assessment.weight, "date": assessment.date.isoformat(),
            "subject_id": assessment.subject_id, "term_id": assessment.term_id}


def update_assessment(account: SchoolAccount, assessment: Assessment, category_id: int,
                      weight: int | None, day: date, description: str) -> bool:
    """Change a column's category, weight, date or description; True if anything changed.

    Its grades' ``updated_at`` moves too, so the families' cached grades pages (keyed by
    ``grades_fingerprint``) show the new weight at once.
    """
    category = get_owned(GradeCategory, account.school_id, category_id)
    if category is None or category.school_id != account.school_id or (
            not category.active and category.id != assessment.category_id):
        raise GradeError(_l("Choose a category."))
    if weight is not None and not 0 <= weight <= 10:
        raise GradeError(_l("The weight must be between 0 and 10."))
    old = _column_snapshot(assessment)
    assessment.category_id = category.id
    assessment.weight = category.weight if weight is None else weight
    assessment.date, assessment.description = day, (description or "").strip()[:200]
    if _column_snapshot(assessment) == old:
        return False
    now = utcnow()
    assessment.edited_at = now
    db.session.execute(sa.update(Grade).where(Grade.school_id == assessment.school_id,
                                              Grade.assessment_id == assessment.id)
                       .values(updated_at=now))
    record_change(assessment.school_id, "assessment", assessment.id, pupil_id=None,
                  class_id=assessment.class_id, action="update", old=old,
                  new=_column_snapshot(assessment), actor=account)
    db.session.flush()
    return True


def column_grade_count(assessment: Assessment) -> int:
    """How many grades deleting the column would delete (the confirmation page says it)."""
    return db.session.execute(sa.select(sa.func.count()).select_from(Grade).where(
        Grade.school_id == assessment.school_id, Grade.assessment_id == assessment.id)).scalar()


def delete_assessment(account: SchoolAccount, assessment: Assessment, confirmed_count: int
                      ) -> int:
    """Delete a column with its grades, each grade's deletion in the change log; return how many.

    ``confirmed_count`` is the number of grades the teacher was shown and confirmed: if grades
    were entered meanwhile, nothing is deleted (GradeError) and the page asks again.
    """
    grades = list(db.session.execute(sa.select(Grade).where(
        Grade.school_id == assessment.school_id, Grade.assessment_id == assessment.id)).scalars())
    if len(grades) != confirmed_count:
        raise GradeError(_l("The column now holds %(n)d grade(s): confirm again.", n=len(grades)))
    for grade in grades:
        record_change(assessment.school_id, "grade", grade.id, pupil_id=grade.pupil_id,
                      action="delete", old=_grade_snapshot(grade, assessment), new=None,
                      actor=account)
        db.session.delete(grade)
    record_change(assessment.school_id, "assessment", assessment.id, pupil_id=None,
                  class_id=assessment.class_id, action="delete",
                  old={**_column_snapshot(assessment), "grades": len(grades)}, new=None,
                  actor=account)
    db.session.flush()
    db.session.delete(assessment)
    db.session.flush()
    return len(grades)


def _grade_snapshot(grade: Grade, assessment: Assessment) -> dict:
    return {"value": grade.value, "assessment_id": assessment.id,
            "subject_id": assessment.subject_id, "weight": assessment.weight,
            "description": assessment.description}


def save_grid(account: SchoolAccount, school: School, g: Grid, cells: dict[tuple[int, int], str],
              finals: dict[tuple[int, str, str], str], term: Term, subject_id: int) -> int:
    """Apply typed cells: new text creates or changes a grade, empty text deletes it.

    ``cells`` maps (pupil_id, assessment_id) to the text typed; ``finals`` maps
    (pupil_id, period, stage) to a whole grade or empty. Everything is checked
    first: with any problem nothing is saved and GradeError lists each cell.
    """
    rules = rules_for(school)
    pupils = {p.id for p in g.pupils}
    by_id = {a.id: a for a in g.assessments}
    problems: dict = {}
    parsed: dict[tuple[int, int], str] = {}
    for (pupil_id, assessment_id), text in cells.items():
        if pupil_id not in pupils or assessment_id not in by_id:
            continue
        mark = rules.normalise(text)
        if mark:
            try:
                rules.value(mark)
            except InvalidGrade as error:
                problems[(pupil_id, assessment_id)] = error.message
                continue
        parsed[(pupil_id, assessment_id)] = mark
    final_values: dict[tuple[int, str, str], int | None] = {}
    for (pupil_id, period, stage), text in finals.items():
        if pupil_id not in pupils or period not in (TERM, YEAR) or stage not in (PROPOSED, FINAL):
            continue
        if not (text or "").strip():
            final_values[(pupil_id, period, stage)] = None
            continue
        try:
            final_values[(pupil_id, period, stage)] = parse_final(text)
        except InvalidGrade as error:
            problems[(pupil_id, period, stage)] = error.message
    if problems:
        raise GradeError(_l("Some grades were not saved: correct the marked cells."), problems)

    changed = 0
    added: list[int] = []
    for (pupil_id, assessment_id), mark in parsed.items():
        assessment = by_id[assessment_id]
        grade = g.grades.get((pupil_id, assessment_id))
        if grade is None and mark:
            grade = Grade(school_id=school.id, assessment_id=assessment_id, pupil_id=pupil_id,
                          subject_id=assessment.subject_id, term_id=assessment.term_id,
                          value=mark, teacher_id=account.staff_id)
            db.session.add(grade)
            db.session.flush()
            g.grades[(pupil_id, assessment_id)] = grade
            added.append(pupil_id)
            record_change(school.id, "grade", grade.id, pupil_id=pupil_id, action="create",
                          old=None, new=_grade_snapshot(grade, assessment), actor=account)
            changed += 1
        elif grade is not None and not mark:
            record_change(school.id, "grade", grade.id, pupil_id=pupil_id, action="delete",
                          old=_grade_snapshot(grade, assessment), new=None, actor=account)
            db.session.delete(grade)
            del g.grades[(pupil_id, assessment_id)]
            changed += 1
        elif grade is not None and grade.value != mark:
            old = _grade_snapshot(grade, assessment)
            grade.value, grade.updated_at, grade.teacher_id = mark, utcnow(), account.staff_id
            record_change(school.id, "grade", grade.id, pupil_id=pupil_id, action="update",
                          old=old, new=_grade_snapshot(grade, assessment), actor=account)
            changed += 1
    for (pupil_id, period, stage), value in final_values.items():
        changed += _set_final(account, school, pupil_id, term, subject_id, period, stage, value, g)
    db.session.flush()
    grades_added(school.id, subject_id, added)
    return changed


def _set_final(account, school, pupil_id, term, subject_id, period, stage, value, g: Grid) -> int:
    existing = g.finals.get((pupil_id, period, stage))
    snap = lambda v: {"value": v, "period": period, "stage": stage,  # noqa: E731
                      "subject_id": subject_id}
    if existing is None and value is not None:
        row = FinalGrade(school_id=school.id, pupil_id=pupil_id,
                         school_year_id=term.school_year_id, subject_id=subject_id, period=period,
                         stage=stage, value=value, teacher_id=account.staff_id)
        db.session.add(row)
        db.session.flush()
        g.finals[(pupil_id, period, stage)] = row
        record_change(school.id, "term_grade", row.id, pupil_id=pupil_id, action="create",
                      old=None, new=snap(value), actor=account)
        return 1
    if existing is not None and value is None:
        record_change(school.id, "term_grade", existing.id, pupil_id=pupil_id, action="delete",
                      old=snap(existing.value), new=None, actor=account)
        db.session.delete(existing)
        del g.finals[(pupil_id, period, stage)]
        return 1
    if existing is not None and existing.value != value:
        old = snap(existing.value)
        existing.value, existing.updated_at, existing.teacher_id = value, utcnow(), account.staff_id
        record_change(school.id, "term_grade", existing.id, pupil_id=pupil_id, action="update",
                      old=old, new=snap(value), actor=account)
        return 1
    return 0


# --- families: a pupil's grades ----------------------------------------------------------

@dataclass
class ShownGrade:
    """A grade as a family sees it."""

    value: str
    counts: bool
    category: str
    weight: int
    date: date
    description: str
    teacher: str
    term_number: int
    created_at: object
    is_new: bool = False
    colour: str = "blue"
    id: int = 0
    #: When the column was last edited (families see "changed on …" in the grade's tip).
    edited_at: object = None


@dataclass
class SubjectGrades:
    """One subject's row on the family grades page."""

    subject_id: int
    name: str
    grades: dict[int, list[ShownGrade]] = field(default_factory=lambda: {1: [], 2: []})
    averages: dict[str, Decimal | None] = field(default_factory=dict)
    finals: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Early education: the term and year grades are these texts (by period), never numbers.
    descriptive: bool = False
    texts: dict[str, str] = field(default_factory=dict)


def new_grades(school_id: int, year_id: int, since: datetime):
    """What the badge counts and the grades page marks as new: this year's, added after ``since``."""
    return sa.and_(Grade.created_at > since, Grade.term_id.in_(
        sa.select(Term.id).where(Term.school_id == school_id, Term.school_year_id == year_id)))


def pupil_grades(school: School, pupil: Pupil, year: SchoolYear,
                 seen_since: datetime | None = None) -> list[SubjectGrades]:
    """Every subject of the pupil's class with grades per term, averages and proposed/final grades.

    Three queries whatever the number of grades: the class's subjects, the grades
    (with assessment, category and teacher), the proposed/final grades.
    """
    rules = rules_for(school)
    term_ids = {t.id: t.number for t in year.terms}
    subjects: dict[int, SubjectGrades] = {}
    for subject in db.session.execute(
            sa.select(Subject).join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
            .where(TeachingAssignment.school_id == school.id,
                   TeachingAssignment.class_id == pupil.class_id, Subject.school_id == school.id)
            .distinct().order_by(Subject.name)).scalars():
        subjects[subject.id] = SubjectGrades(subject.id, subject.name)
    rows = db.session.execute(
        sa.select(Grade.id, Grade.value, Grade.subject_id, Grade.term_id, Grade.created_at,
                  sa.case((new_grades(school.id, year.id, seen_since), True), else_=False)
                  if seen_since else sa.false(),
                  Assessment.weight, Assessment.date, Assessment.description,
                  GradeCategory.name, GradeCategory.counts_to_average,
                  StaffMember.first_name, StaffMember.last_name, Subject.name,
                  GradeCategory.colour, Assessment.edited_at)
        .join(Assessment, Assessment.id == Grade.assessment_id)
        .join(GradeCategory, GradeCategory.id == Assessment.category_id)
        .join(StaffMember, StaffMember.id == Grade.teacher_id)
        .join(Subject, Subject.id == Grade.subject_id)
        .where(Grade.school_id == school.id, Grade.pupil_id == pupil.id,
               Grade.term_id.in_(list(term_ids)))
        .order_by(Assessment.date, Grade.id))
    for (grade_id, value, subject_id, term_id, created_at, is_new, weight, day, description,
         category, counts, first, last, subject_name, colour, edited_at) in rows:
        row = subjects.setdefault(subject_id, SubjectGrades(subject_id, subject_name))
        number = term_ids[term_id]
        row.grades.setdefault(number, []).append(ShownGrade(
            value, counts and weight > 0 and _counts(rules, value), category, weight, day,
            description, f"{first} {last}", number, created_at,
            is_new=bool(is_new), colour=colour, id=grade_id, edited_at=edited_at))
    if rules.is_descriptive(pupil.school_class.level):
        # Descriptive assessment: texts instead of term/year grades, and no averages, so no
        # number stands in for the assessment anywhere the rows are shown.
        for subject_id, texts in pupil_texts(school.id, pupil.id, year.id).items():
            if subject_id in subjects:
                subjects[subject_id].texts = texts
        for row in subjects.values():
            row.descriptive = True
            row.averages = {"term1": None, "term2": None, "year": None}
        return sorted(subjects.values(), key=lambda s: s.name)
    for final in db.session.execute(sa.select(FinalGrade).where(
            FinalGrade.school_id == school.id, FinalGrade.pupil_id == pupil.id,
            FinalGrade.school_year_id == year.id)).scalars():
        if final.subject_id in subjects:
            subjects[final.subject_id].finals[(final.period, final.stage)] = final.value
    for row in subjects.values():
        items = {n: [(g.value, g.weight, g.counts) for g in gs] for n, gs in row.grades.items()}
        row.averages = {"term1": rules.average(items.get(1, [])),
                        "term2": rules.average(items.get(2, [])),
                        "year": rules.average(items.get(1, []) + items.get(2, []))}
    return sorted(subjects.values(), key=lambda s: s.name)


def _counts(rules: GradeRules, value: str) -> bool:
    try:
        return rules.value(value) is not None
    except InvalidGrade:
        return False


def grades_fingerprint(school: School, pupil: Pupil, year) -> tuple:
    """What the family grades page depends on, in one query: a changed grade changes it.

    The grade aggregates come from one pass over the pupil's index range
    (ix_grade_school_pupil_term); final and descriptive grades and the class's subjects
    are counted in scalar subqueries.
    """
    # Columns only, so the statement runs on the session's connection without the ORM's
    # per-statement work (its result is never an entity).
    row = db.session.connection().execute(_fingerprint_statement(), {
        "school_id": school.id, "pupil_id": pupil.id, "year_id": year.id,
        "class_id": pupil.class_id, "term_ids": [t.id for t in year.terms]}).one()
    return tuple(str(v) for v in row) + (repr(sorted((school.settings or {}).items())),)


@cache
def _fingerprint_statement() -> sa.Select:
    """The fingerprint query with bound parameters, built once per process.

    Every grades page (HTML and API) asks it; building this many subqueries cost more
    CPU than running them (issue 16), so only the parameters change per request.
    """
    school_id, pupil_id, year_id = (sa.bindparam("school_id"), sa.bindparam("pupil_id"),
                                    sa.bindparam("year_id"))
    finals = (FinalGrade.school_id == school_id, FinalGrade.pupil_id == pupil_id,
              FinalGrade.school_year_id == year_id)
    texts = (DescriptiveGrade.school_id == school_id, DescriptiveGrade.pupil_id == pupil_id,
             DescriptiveGrade.school_year_id == year_id)
    return (sa.select(
        sa.func.count(), sa.func.max(Grade.updated_at), sa.func.max(Grade.id),
        sa.select(sa.func.count()).select_from(FinalGrade).where(*finals).scalar_subquery(),
        sa.select(sa.func.max(FinalGrade.updated_at)).where(*finals).scalar_subquery(),
        sa.select(sa.func.count()).select_from(DescriptiveGrade).where(*texts).scalar_subquery(),
        sa.select(sa.func.max(DescriptiveGrade.updated_at)).where(*texts).scalar_subquery(),
        sa.select(sa.func.max(GradeCategory.updated_at)).where(
            GradeCategory.school_id == school_id).scalar_subquery(),
        sa.select(sa.func.count()).select_from(TeachingAssignment).where(
            TeachingAssignment.school_id == school_id,
            TeachingAssignment.class_id == sa.bindparam("class_id")).scalar_subquery())
        .select_from(Grade)
        .where(Grade.school_id == school_id, Grade.pupil_id == pupil_id,
               Grade.term_id.in_(sa.bindparam("term_ids", expanding=True))))
