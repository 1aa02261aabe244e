"""Read a past school year: what the year switcher shows families and staff.

Past years are archives: nothing here writes, and the register's own pages only
offer the current year's classes (``accounts/access.py`` ``current_class_ids_query``),
so last year's grades, attendance and remarks cannot change. Which class a pupil
was in comes from the enrolments (``school/models.py`` ``Enrolment``), not from
where the pupil is now. Every function reads in a fixed number of queries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.grades.models import Assessment, FinalGrade, Grade
from gradebook_service.lessons.models import Attendance, Lesson
from gradebook_service.remarks.models import Remark
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import (
    Enrolment,
    Pupil,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    Term,
)
from shared.collation import polish_key


@dataclass
class PastYear:
    id: int
    name: str
    classes: list[str]


@dataclass
class SubjectRecord:
    name: str
    grades: dict[int, list[str]] = field(default_factory=dict)  # term number → values
    finals: dict[str, int] = field(default_factory=dict)  # "term"/"year" → final grade


@dataclass
class YearRecord:
    subjects: list[SubjectRecord]
    attendance: dict[str, int]
    remarks: list[Remark]


def past_years_of_pupil(school_id: int, pupil_id: int) -> list[PastYear]:
    """The pupil's years before the current one, newest first, with their classes."""
    years: dict[int, PastYear] = {}
    for year_id, year_name, class_name in db.session.execute(
            sa.select(SchoolYear.id, SchoolYear.name, SchoolClass.name)
            .select_from(Enrolment)
            .join(SchoolYear, SchoolYear.id == Enrolment.school_year_id)
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(Enrolment.school_id == school_id, Enrolment.pupil_id == pupil_id,
                   SchoolYear.is_current.is_(False))
            .order_by(SchoolYear.starts_on.desc(), Enrolment.starts_on)):
        entry = years.setdefault(year_id, PastYear(year_id, year_name, []))
        if class_name not in entry.classes:
            entry.classes.append(class_name)
    return list(years.values())


def pupil_year_record(school_id: int, pupil_id: int, year: SchoolYear) -> YearRecord:
    """The pupil's grades, final grades, attendance and remarks of ``year`` (four queries)."""
    subjects: dict[int, SubjectRecord] = {}
    for value, subject_id, subject_name, term_number in db.session.execute(
            sa.select(Grade.value, Subject.id, Subject.name, Term.number)
            .join(Subject, Subject.id == Grade.subject_id)
            .join(Term, Term.id == Grade.term_id)
            .join(Assessment, Assessment.id == Grade.assessment_id)
            .where(Grade.school_id == school_id, Grade.pupil_id == pupil_id,
                   Term.school_year_id == year.id)
            .order_by(Assessment.date, Grade.id)):
        row = subjects.setdefault(subject_id, SubjectRecord(subject_name))
        row.grades.setdefault(term_number, []).append(value)
    for subject_id, subject_name, period, value in db.session.execute(
            sa.select(FinalGrade.subject_id, Subject.name, FinalGrade.period, FinalGrade.value)
            .join(Subject, Subject.id == FinalGrade.subject_id)
            .where(FinalGrade.school_id == school_id, FinalGrade.pupil_id == pupil_id,
                   FinalGrade.school_year_id == year.id, FinalGrade.stage == "final")):
        subjects.setdefault(subject_id, SubjectRecord(subject_name)).finals[period] = value
    attendance = dict(db.session.execute(
        sa.select(Attendance.status, sa.func.count())
        .where(Attendance.school_id == school_id, Attendance.pupil_id == pupil_id,
               Attendance.date.between(year.starts_on, year.ends_on))
        .group_by(Attendance.status)).all())
    remarks = list(db.session.execute(
        sa.select(Remark).where(Remark.school_id == school_id, Remark.pupil_id == pupil_id,
                                Remark.date.between(year.starts_on, year.ends_on))
        .options(sa.orm.joinedload(Remark.teacher)).order_by(Remark.date, Remark.id)).scalars())
    return YearRecord(sorted(subjects.values(), key=lambda s: polish_key(s.name)),
                      attendance, remarks)


def past_years(school_id: int) -> list[SchoolYear]:
    """The school's years before the current one, newest first."""
    current = sa.select(SchoolYear.starts_on).where(
        SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True)).scalar_subquery()
    return list(db.session.execute(sa.select(SchoolYear).where(
        SchoolYear.school_id == school_id, SchoolYear.is_current.is_(False),
        SchoolYear.starts_on < current).order_by(SchoolYear.starts_on.desc())).scalars())


def _sees_all(account: SchoolAccount) -> bool:
    return account.staff.is_admin or account.staff.is_secretary


def archived_classes(account: SchoolAccount, year_id: int) -> list[SchoolClass]:
    """The classes of a past year the staff member taught or led (the office: all)."""
    query = sa.select(SchoolClass).where(SchoolClass.school_id == account.school_id,
                                         SchoolClass.school_year_id == year_id)
    if not _sees_all(account):
        taught = sa.select(TeachingAssignment.class_id).where(
            TeachingAssignment.school_id == account.school_id,
            TeachingAssignment.teacher_id == account.staff_id)
        query = query.where(sa.or_(SchoolClass.id.in_(taught),
                                   SchoolClass.homeroom_teacher_id == account.staff_id))
    return list(db.session.execute(query.order_by(SchoolClass.level, SchoolClass.name)).scalars())


@dataclass
class ClassRecord:
    pupils: list[Pupil]
    subjects: list[Subject]
    grades: dict[tuple[int, int], list[str]]  # (pupil id, subject id) → values
    attendance: dict[int, Counter]  # pupil id → statuses


def class_year_record(account: SchoolAccount, klass: SchoolClass) -> ClassRecord:
    """The class's pupils of that year (by enrolment) and their grades and attendance.

    A teacher sees the subjects they taught there; the homeroom teacher and the office
    every subject. Five queries whatever the size of the class.
    """
    school_id = klass.school_id
    year = get_owned(SchoolYear, school_id, klass.school_year_id)
    pupils = sorted(set(db.session.execute(
        sa.select(Pupil).join(Enrolment, Enrolment.pupil_id == Pupil.id)
        .where(Enrolment.school_id == school_id, Enrolment.class_id == klass.id)).scalars()),
        key=lambda p: (polish_key(p.last_name), polish_key(p.first_name), p.id))
    subject_query = sa.select(Subject).join(
        TeachingAssignment, TeachingAssignment.subject_id == Subject.id).where(
        TeachingAssignment.school_id == school_id, TeachingAssignment.class_id == klass.id)
    if not (_sees_all(account) or klass.homeroom_teacher_id == account.staff_id):
        subject_query = subject_query.where(TeachingAssignment.teacher_id == account.staff_id)
    subjects = sorted(set(db.session.execute(subject_query).scalars()),
                      key=lambda s: polish_key(s.name))
    grades: dict[tuple[int, int], list[str]] = defaultdict(list)
    for pupil_id, subject_id, value in db.session.execute(
            sa.select(Grade.pupil_id, Grade.subject_id, Grade.value)
            .join(Assessment, Assessment.id == Grade.assessment_id)
            .where(Grade.school_id == school_id, Assessment.class_id == klass.id,
                   Grade.subject_id.in_([s.id for s in subjects] or [-1]))
            .order_by(Assessment.date, Grade.id)):
        grades[(pupil_id, subject_id)].append(value)
    attendance: dict[int, Counter] = defaultdict(Counter)
    for pupil_id, status, count in db.session.execute(
            sa.select(Attendance.pupil_id, Attendance.status, sa.func.count())
            .join(Lesson, Lesson.id == Attendance.lesson_id)
            .where(Attendance.school_id == school_id, Lesson.class_id == klass.id,
                   Attendance.date.between(year.starts_on, year.ends_on))
            .group_by(Attendance.pupil_id, Attendance.status)):
        attendance[pupil_id][status] += count
    return ClassRecord(pupils, subjects, dict(grades), dict(attendance))
