"""The year rollover: the school moves into its next year (design 5.1, issue 14).

Classes go up one level with their pupils (1a → 2a), pupils the administrator
marks as repeating stay at their level, class 8 graduates. The new year gets its
dates and terms by the Polish defaults (``school/year_setup.py``), teaching
assignments, homeroom teachers and groups follow their class, and every pupil gets
an enrolment in the new year. The old year's rows are never written: its classes,
grades, attendance and enrolments stay as they were (an open enrolment of a past
year simply lasted to that year's end), which is what the year switcher reads.

All of it is one transaction: the service only flushes, and its callers (the CLI,
the wizard's job) commit at the end or roll everything back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from gradebook_service.roster.enrolment import (
    ensure_enrolments,
    expire_family_access,
    graduate,
)
from gradebook_service.roster.register_numbers import number_new_pupils, register_order
from gradebook_service.school.calendar_rules import BadYearName, YearPlan, year_plan
from gradebook_service.school.models import (
    PROMOTED,
    REPEATING,
    ClassGroup,
    ClassGroupMember,
    Enrolment,
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
    StaffMember,
    TeachingAssignment,
)
from gradebook_service.school.year_setup import SetupError, add_school_year

#: The last level of a primary school: its pupils graduate.
LAST_LEVEL = 8
_LEADING_DIGITS = re.compile(r"^\d+")


class RolloverError(SetupError):
    """The rollover cannot run; ``message`` says why in one line."""


@dataclass
class ClassStep:
    """What happens to one class of the old year."""

    old: SchoolClass
    #: The class its promoted pupils go to (None: the class graduates).
    new_name: str | None
    promoted: list[Pupil] = field(default_factory=list)
    repeating: list[Pupil] = field(default_factory=list)

    @property
    def graduates(self) -> bool:
        return self.new_name is None


@dataclass
class RolloverPlan:
    school: School
    old_year: SchoolYear
    dates: YearPlan
    steps: list[ClassStep]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "classes": len(self.steps),
            "promoted": sum(len(s.promoted) for s in self.steps if not s.graduates),
            "repeating": sum(len(s.repeating) for s in self.steps),
            "graduating": sum(len(s.promoted) for s in self.steps if s.graduates),
        }


@dataclass
class RolloverResult:
    year: SchoolYear
    counts: dict[str, int]
    accounts_disabled: int = 0


def promoted_name(name: str, level: int) -> str:
    """The class name one level up: 1a → 2a (a name without the level gets it in front)."""
    if _LEADING_DIGITS.match(name):
        return _LEADING_DIGITS.sub(str(level + 1), name, count=1)
    return f"{level + 1}{name}"


def _current_year(school_id: int) -> SchoolYear:
    year = db.session.execute(sa.select(SchoolYear).where(
        SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True))).scalar_one_or_none()
    if year is None:
        raise RolloverError(_l("The school has no current school year."))
    return year


def plan_rollover(school_id: int, to_name: str, repeating_ids: Iterable[int] = ()
                  ) -> RolloverPlan:
    """What the rollover into ``to_name`` would do; RolloverError if it cannot run."""
    school = db.session.get(School, school_id)
    old_year = _current_year(school_id)
    try:
        dates = year_plan(to_name)
    except BadYearName:
        raise RolloverError(_l("%(name)s is not a school year like 2027/2028.",
                               name=repr(to_name))) from None
    if db.session.execute(sa.select(SchoolYear.id).where(
            SchoolYear.school_id == school_id, SchoolYear.name == dates.name)).first():
        raise RolloverError(_l("The school year %(name)s exists already.", name=dates.name))
    if dates.starts_on <= old_year.starts_on:
        raise RolloverError(_l("%(name)s does not come after the current year %(current)s.",
                               name=dates.name, current=old_year.name))
    repeating = set(repeating_ids)
    classes = db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year_id == old_year.id)
        .order_by(SchoolClass.level.desc(), SchoolClass.name)).scalars().all()
    by_class: dict[int, list[Pupil]] = {}
    for pupil in db.session.execute(sa.select(Pupil).where(
            Pupil.school_id == school_id, Pupil.left_on.is_(None),
            Pupil.class_id.in_([c.id for c in classes] or [-1]))).scalars():
        by_class.setdefault(pupil.class_id, []).append(pupil)
    steps = []
    for klass in classes:
        pupils = sorted(by_class.get(klass.id, []), key=register_order)
        step = ClassStep(klass, None if klass.level >= LAST_LEVEL
                         else promoted_name(klass.name, klass.level))
        for pupil in pupils:
            (step.repeating if pupil.id in repeating else step.promoted).append(pupil)
        steps.append(step)
    return RolloverPlan(school, old_year, dates, steps)


class _NewClasses:
    """The new year's classes, made on first use (a repeating pupil may open one)."""

    def __init__(self, school_id: int, year: SchoolYear) -> None:
        self.school_id, self.year = school_id, year
        self.by_name: dict[str, SchoolClass] = {}

    def get(self, name: str, level: int, homeroom_id: int | None) -> SchoolClass:
        klass = self.by_name.get(name)
        if klass is None:
            klass = SchoolClass(school_id=self.school_id, school_year_id=self.year.id, name=name,
                                level=level, homeroom_teacher_id=homeroom_id)
            db.session.add(klass)
            db.session.flush()
            self.by_name[name] = klass
        elif klass.homeroom_teacher_id is None and homeroom_id:
            klass.homeroom_teacher_id = homeroom_id
        return klass


def _carry_over(school_id: int, old: SchoolClass, new: SchoolClass,
                pupils: list[Pupil]) -> dict[int, list[int]]:
    """Copy the class's groups and teaching assignments; return each pupil's new groups."""
    groups = db.session.execute(sa.select(ClassGroup).where(
        ClassGroup.school_id == school_id, ClassGroup.class_id == old.id)).scalars().all()
    mapped: dict[int, int] = {}
    existing = {g.name: g for g in db.session.execute(sa.select(ClassGroup).where(
        ClassGroup.school_id == school_id, ClassGroup.class_id == new.id)).scalars()}
    for group in groups:
        twin = existing.get(group.name)
        if twin is None:
            twin = ClassGroup(school_id=school_id, class_id=new.id, name=group.name)
            db.session.add(twin)
            db.session.flush()
        mapped[group.id] = twin.id
    taken = set(db.session.execute(sa.select(
        TeachingAssignment.subject_id, TeachingAssignment.teacher_id, TeachingAssignment.group_id)
        .where(TeachingAssignment.school_id == school_id,
               TeachingAssignment.class_id == new.id)).all())
    for assignment in db.session.execute(
            sa.select(TeachingAssignment).join(StaffMember,
                                              StaffMember.id == TeachingAssignment.teacher_id)
            .where(TeachingAssignment.school_id == school_id,
                   TeachingAssignment.class_id == old.id,
                   StaffMember.deactivated_at.is_(None))).scalars():
        key = (assignment.subject_id, assignment.teacher_id,
               mapped.get(assignment.group_id) if assignment.group_id else None)
        if key not in taken:
            taken.add(key)
            db.session.add(TeachingAssignment(school_id=school_id, class_id=new.id,
                                              subject_id=key[0], teacher_id=key[1],
                                              group_id=key[2]))
    members: dict[int, list[int]] = {}
    for pupil_id, group_id in db.session.execute(
            sa.select(ClassGroupMember.pupil_id, ClassGroupMember.group_id).where(
                ClassGroupMember.school_id == school_id,
                ClassGroupMember.pupil_id.in_([p.id for p in pupils] or [-1]),
                ClassGroupMember.group_id.in_(list(mapped) or [-1]))):
        members.setdefault(pupil_id, []).append(mapped[group_id])
    return members


def _enrol(school_id: int, year: SchoolYear, pupil: Pupil, klass: SchoolClass,
           group_ids: list[int], reason: str) -> None:
    db.session.execute(sa.delete(ClassGroupMember).where(
        ClassGroupMember.school_id == school_id, ClassGroupMember.pupil_id == pupil.id))
    db.session.add_all([ClassGroupMember(school_id=school_id, group_id=g, pupil_id=pupil.id)
                        for g in sorted(group_ids)])
    db.session.add(Enrolment(school_id=school_id, pupil_id=pupil.id, school_year_id=year.id,
                             class_id=klass.id, group_ids=sorted(group_ids),
                             starts_on=year.starts_on, reason=reason))
    pupil.class_id = klass.id
    pupil.register_number = None


def run_rollover(school_id: int, to_name: str, repeating_ids: Iterable[int] = (), *,
                 actor: str, today: date,
                 progress: Callable[[int, int], None] | None = None) -> RolloverResult:
    """Move the school into ``to_name``; flushes only (the caller commits all or nothing).

    ``progress(done, total)`` is called after each class of the old year.
    """
    plan = plan_rollover(school_id, to_name, repeating_ids)
    school, old_year = plan.school, plan.old_year
    ensure_enrolments(school_id, old_year)
    year = add_school_year(school, plan.dates.name, current=True)
    classes = _NewClasses(school_id, year)
    total = len(plan.steps)
    if progress:
        progress(0, total)
    for done, step in enumerate(plan.steps, start=1):
        old = step.old
        if step.graduates:
            for pupil in step.promoted:
                graduate(pupil, old_year, school.graduate_retention_days)
        elif step.promoted:
            new = classes.get(step.new_name, old.level + 1, old.homeroom_teacher_id)
            groups = _carry_over(school_id, old, new, step.promoted)
            for pupil in step.promoted:
                _enrol(school_id, year, pupil, new, groups.get(pupil.id, []), PROMOTED)
        if step.repeating:
            # A repeating pupil joins the class that comes up to their level (else a new one).
            stay = classes.get(old.name, old.level, None)
            for pupil in step.repeating:
                _enrol(school_id, year, pupil, stay, [], REPEATING)
        db.session.flush()
        if progress:
            progress(done, total)
    number_new_pupils(school_id, [c.id for c in classes.by_name.values()])
    disabled = expire_family_access(school_id, today, actor=actor)
    audit("school.year_rolled_over", actor=actor, school_id=school_id, from_year=old_year.name,
          to_year=year.name, **plan.counts)
    db.session.flush()
    return RolloverResult(year, plan.counts, disabled)
