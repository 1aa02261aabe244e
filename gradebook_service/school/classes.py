"""Classes of a school year, their groups (languages, religion/ethics), subjects, assignments.

Every function takes the school id and looks rows up within it, so another
school's row is simply not found (the views answer 404).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.extensions import db
from gradebook_service.school.models import (
    ClassGroup,
    ClassGroupMember,
    Pupil,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subject,
    TeachingAssignment,
)
from shared.collation import polish_key

CLASS_NAME = re.compile(r"^([1-8])([a-z]{1,3})$")


class ClassSetupError(Exception):
    """A class, group, subject or assignment cannot be saved; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _owned(model, school_id: int, row_id: int):
    return db.session.execute(sa.select(model).where(
        model.id == row_id, model.school_id == school_id)).scalar_one_or_none()


def class_of(school_id: int, class_id: int) -> SchoolClass | None:
    return _owned(SchoolClass, school_id, class_id)


def group_of(school_id: int, group_id: int) -> ClassGroup | None:
    return _owned(ClassGroup, school_id, group_id)


def subject_of(school_id: int, subject_id: int) -> Subject | None:
    return _owned(Subject, school_id, subject_id)


def assignment_of(school_id: int, assignment_id: int) -> TeachingAssignment | None:
    return _owned(TeachingAssignment, school_id, assignment_id)


def teacher_of(school_id: int, staff_id: int) -> StaffMember | None:
    """An active teacher of the school, or None."""
    member = _owned(StaffMember, school_id, staff_id)
    return member if member and member.is_teacher and member.deactivated_at is None else None


def active_teachers(school_id: int) -> list[StaffMember]:
    """The school's active teachers in Polish order."""
    rows = db.session.execute(sa.select(StaffMember).where(
        StaffMember.school_id == school_id, StaffMember.is_teacher.is_(True),
        StaffMember.deactivated_at.is_(None))).scalars()
    return sorted(rows, key=lambda m: (polish_key(m.last_name), polish_key(m.first_name)))


def _class_name(name: str) -> tuple[str, int]:
    name = _clean(name).replace(" ", "").lower()
    match = CLASS_NAME.match(name)
    if not match:
        raise ClassSetupError(_l("A class name is a level 1–8 and a letter, like 1a or 4b."))
    return name, int(match.group(1))


def _name_taken(year_id: int, school_id: int, name: str, exclude: int | None = None) -> bool:
    return db.session.execute(sa.select(SchoolClass.id).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year_id == year_id,
        SchoolClass.name == name, SchoolClass.id != (exclude or -1))).first() is not None


def _homeroom(school_id: int, staff_id: int | None) -> int | None:
    if not staff_id:
        return None
    if teacher_of(school_id, staff_id) is None:
        raise ClassSetupError(_l("Choose the homeroom teacher from the school's teachers."))
    return staff_id


def create_class(year: SchoolYear, name: str, homeroom_teacher_id: int | None) -> SchoolClass:
    """A new class in ``year``."""
    name, level = _class_name(name)
    if _name_taken(year.id, year.school_id, name):
        raise ClassSetupError(_l("Class %(name)s exists already in %(year)s.", name=name,
                                 year=year.name))
    row = SchoolClass(school_id=year.school_id, school_year_id=year.id, name=name, level=level,
                      homeroom_teacher_id=_homeroom(year.school_id, homeroom_teacher_id))
    db.session.add(row)
    db.session.flush()
    return row


def update_class(school_class: SchoolClass, name: str, homeroom_teacher_id: int | None) -> None:
    """Rename a class (the level follows the name) and name its homeroom teacher."""
    name, level = _class_name(name)
    if _name_taken(school_class.school_year_id, school_class.school_id, name, school_class.id):
        raise ClassSetupError(_l("Another class is already called %(name)s.", name=name))
    school_class.homeroom_teacher_id = _homeroom(school_class.school_id, homeroom_teacher_id)
    school_class.name, school_class.level = name, level
    db.session.flush()


def classes_with_counts(school_id: int, year_id: int) -> list[tuple[SchoolClass, int, int]]:
    """(class, pupils, groups) for every class of the year, in one query."""
    pupils = (sa.select(sa.func.count()).where(Pupil.school_id == school_id,
                                               Pupil.class_id == SchoolClass.id)
              .correlate(SchoolClass).scalar_subquery())
    groups = (sa.select(sa.func.count()).where(ClassGroup.school_id == school_id,
                                               ClassGroup.class_id == SchoolClass.id)
              .correlate(SchoolClass).scalar_subquery())
    return [tuple(r) for r in db.session.execute(
        sa.select(SchoolClass, pupils, groups)
        .options(sa.orm.joinedload(SchoolClass.homeroom_teacher))
        .where(SchoolClass.school_id == school_id, SchoolClass.school_year_id == year_id)
        .order_by(SchoolClass.level, SchoolClass.name))]


# --- groups within a class ----------------------------------------------------------------

def class_groups(school_id: int, class_id: int) -> list[tuple[ClassGroup, set[int]]]:
    """The class's groups with their members' pupil ids (two queries)."""
    groups = list(db.session.execute(sa.select(ClassGroup).where(
        ClassGroup.school_id == school_id, ClassGroup.class_id == class_id)
        .order_by(ClassGroup.name)).scalars())
    members: dict[int, set[int]] = {g.id: set() for g in groups}
    for group_id, pupil_id in db.session.execute(sa.select(
            ClassGroupMember.group_id, ClassGroupMember.pupil_id).where(
            ClassGroupMember.school_id == school_id,
            ClassGroupMember.group_id.in_(list(members) or [-1]))):
        members[group_id].add(pupil_id)
    return [(g, members[g.id]) for g in groups]


def groups_of_classes(school_id: int, class_ids: list[int]) -> list[ClassGroup]:
    """The groups of these classes, by name (one query)."""
    return list(db.session.execute(sa.select(ClassGroup).where(
        ClassGroup.school_id == school_id, ClassGroup.class_id.in_(class_ids or [-1]))
        .order_by(ClassGroup.name)).scalars())


def save_group(school_class: SchoolClass, name: str, pupil_ids: set[int],
               group: ClassGroup | None = None) -> tuple[ClassGroup, set[int]]:
    """Create or update a group of ``school_class`` with exactly these pupils; return old members."""
    name = _clean(name)
    if not name or len(name) > 60:
        raise ClassSetupError(_l("Name the group (at most 60 characters), e.g. "
                                 "\"niemiecki gr. 1\" or \"etyka\"."))
    taken = db.session.execute(sa.select(ClassGroup.id).where(
        ClassGroup.school_id == school_class.school_id, ClassGroup.class_id == school_class.id,
        ClassGroup.name == name, ClassGroup.id != (group.id if group else -1))).first()
    if taken:
        raise ClassSetupError(_l("The class already has a group called %(name)s.", name=name))
    class_pupils = set(db.session.execute(sa.select(Pupil.id).where(
        Pupil.school_id == school_class.school_id, Pupil.class_id == school_class.id)).scalars())
    if not pupil_ids <= class_pupils:
        raise ClassSetupError(_l("A group holds only pupils of its class."))
    if group is None:
        group = ClassGroup(school_id=school_class.school_id, class_id=school_class.id, name=name)
        db.session.add(group)
        db.session.flush()
        old: set[int] = set()
    else:
        group.name = name
        old = set(db.session.execute(sa.select(ClassGroupMember.pupil_id).where(
            ClassGroupMember.school_id == group.school_id,
            ClassGroupMember.group_id == group.id)).scalars())
    if old - pupil_ids:
        db.session.execute(sa.delete(ClassGroupMember).where(
            ClassGroupMember.school_id == group.school_id, ClassGroupMember.group_id == group.id,
            ClassGroupMember.pupil_id.in_(old - pupil_ids)))
    db.session.add_all(ClassGroupMember(school_id=group.school_id, group_id=group.id,
                                        pupil_id=p) for p in sorted(pupil_ids - old))
    db.session.flush()
    return group, old


# --- subjects --------------------------------------------------------------------------------

def subjects(school_id: int) -> list[Subject]:
    rows = db.session.execute(sa.select(Subject).where(Subject.school_id == school_id)).scalars()
    return sorted(rows, key=lambda s: polish_key(s.name))


def save_subject(school_id: int, name: str, short_name: str,
                 subject: Subject | None = None) -> Subject:
    """Create or rename a subject (names are unique in the school)."""
    name, short_name = _clean(name), _clean(short_name)
    if not name or len(name) > 100:
        raise ClassSetupError(_l("Name the subject (at most 100 characters)."))
    if not short_name or len(short_name) > 20:
        raise ClassSetupError(_l("Give the subject a short name (at most 20 characters), "
                                 "e.g. mat."))
    taken = db.session.execute(sa.select(Subject.id).where(
        Subject.school_id == school_id, sa.func.lower(Subject.name) == name.lower(),
        Subject.id != (subject.id if subject else -1))).first()
    if taken:
        raise ClassSetupError(_l("The school already has the subject %(name)s.", name=name))
    if subject is None:
        subject = Subject(school_id=school_id, name=name, short_name=short_name)
        db.session.add(subject)
    else:
        subject.name, subject.short_name = name, short_name
    db.session.flush()
    return subject


# --- teaching assignments --------------------------------------------------------------------

def year_assignments(school_id: int, year_id: int) -> list[TeachingAssignment]:
    """The year's assignments with class, group, subject and teacher (one query)."""
    return list(db.session.execute(
        sa.select(TeachingAssignment)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .options(sa.orm.contains_eager(TeachingAssignment.school_class),
                 sa.orm.contains_eager(TeachingAssignment.subject),
                 sa.orm.joinedload(TeachingAssignment.teacher),
                 sa.orm.joinedload(TeachingAssignment.group))
        .where(TeachingAssignment.school_id == school_id, SchoolClass.school_year_id == year_id)
        .order_by(SchoolClass.level, SchoolClass.name, Subject.name)).unique().scalars())


def add_assignment(school_id: int, class_id: int, subject_id: int, teacher_id: int,
                   group_id: int | None) -> TeachingAssignment:
    """Assign a teacher to teach a subject to a class or one of its groups."""
    school_class, subject = class_of(school_id, class_id), subject_of(school_id, subject_id)
    if school_class is None or subject is None:
        raise ClassSetupError(_l("Choose a class and a subject of the school."))
    if teacher_of(school_id, teacher_id) is None:
        raise ClassSetupError(_l("Choose an active teacher of the school."))
    group = group_of(school_id, group_id) if group_id else None
    if group_id and (group is None or group.class_id != class_id):
        raise ClassSetupError(_l("The group must belong to the chosen class."))
    exists = db.session.execute(sa.select(TeachingAssignment.id).where(
        TeachingAssignment.school_id == school_id, TeachingAssignment.class_id == class_id,
        TeachingAssignment.subject_id == subject_id, TeachingAssignment.teacher_id == teacher_id,
        TeachingAssignment.group_id.is_(None) if group is None
        else TeachingAssignment.group_id == group.id)).first()
    if exists:
        raise ClassSetupError(_l("This teacher already teaches this subject there."))
    row = TeachingAssignment(school_id=school_id, class_id=class_id, subject_id=subject_id,
                             teacher_id=teacher_id, group_id=group.id if group else None)
    db.session.add(row)
    db.session.flush()
    return row


def remove_assignment(row: TeachingAssignment) -> None:
    """End an assignment (lessons and grades already entered stay)."""
    db.session.delete(row)
    db.session.flush()
