"""Import a weekly timetable from a CSV file (docs/timetable-import.md describes the columns).

The file replaces the weekly timetable of the classes it names, in the current
school year. Every row is checked first — names resolved, bell times known,
no clash among the rows or with the other classes' lessons — and with any
problem nothing is applied and each problem carries its line number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.history.services import record_change
from gradebook_service.school.models import (
    ClassGroup,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subject,
    TeachingAssignment,
)
from gradebook_service.timetable.clashes import PlannedLesson, clashes_among
from gradebook_service.timetable.models import TimetableEntry
from gradebook_service.timetable.planning import year_lessons
from gradebook_service.timetable.services import periods

REQUIRED = ("class", "weekday", "period", "subject", "teacher")
OPTIONAL = ("room", "group")
#: The most rows one file may have (a large school has about 1,500 weekly lessons).
MAX_ROWS = 5000
#: The largest file accepted (a 5,000-row timetable is well under 1 MB).
MAX_BYTES = 2 * 1024 * 1024

#: Day names as Polish timetable programs write them (full, short, English), → ISO weekday.
DAY_NAMES = {
    1: ("1", "poniedziałek", "poniedzialek", "pon", "pn", "monday", "mon"),
    2: ("2", "wtorek", "wt", "tuesday", "tue"),
    3: ("3", "środa", "sroda", "śr", "sr", "wednesday", "wed"),
    4: ("4", "czwartek", "czw", "cz", "thursday", "thu"),
    5: ("5", "piątek", "piatek", "pt", "pią", "friday", "fri"),
}
_DAYS = {name: number for number, names in DAY_NAMES.items() for name in names}


@dataclass(frozen=True)
class ImportProblem:
    """What is wrong with one line of the file (line 1 is the header)."""

    line: int
    message: str


class TimetableInvalid(Exception):
    """The file was refused; ``problems`` are line-numbered and nothing was applied."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ImportResult:
    """What an import changed."""

    rows: int
    classes: list[str] = field(default_factory=list)
    removed: int = 0
    assignments_created: int = 0


def _key(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _lookups(school_id: int, year: SchoolYear):
    classes = {_key(c.name): c for c in db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year_id == year.id)).scalars()}
    subjects: dict[str, Subject | None] = {}
    for subject in db.session.execute(sa.select(Subject).where(
            Subject.school_id == school_id)).scalars():
        for name in {_key(subject.name), _key(subject.short_name)}:
            # a short name that is also another subject's name is ambiguous
            subjects[name] = None if name in subjects and subjects[name] is not subject \
                else subject
    teachers: dict[str, StaffMember | None] = {}
    for member in db.session.execute(sa.select(StaffMember).where(
            StaffMember.school_id == school_id, StaffMember.is_teacher.is_(True))).scalars():
        for name in {_key(f"{member.first_name} {member.last_name}"),
                     _key(f"{member.last_name} {member.first_name}")}:
            teachers[name] = None if name in teachers else member  # two people of one name
    groups = {(g.class_id, _key(g.name)): g for g in db.session.execute(
        sa.select(ClassGroup).where(ClassGroup.school_id == school_id)).scalars()}
    return classes, subjects, teachers, groups


def read_rows(data: bytes) -> tuple[list[tuple[int, dict]], list[ImportProblem]]:
    """The file's rows with their line numbers, or the problems of its encoding and header."""
    if len(data) > MAX_BYTES:
        return [], [ImportProblem(1, str(_l("The file is larger than 2 MB.")))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [ImportProblem(1, str(_l("The file is not UTF-8 text: save it as "
                                             "“CSV UTF-8”.")))]
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(_key(name) if name else "") for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return [], [ImportProblem(1, str(_l("The header lacks the column(s) %(columns)s.",
                                            columns=", ".join(missing))))]
    reader.fieldnames = header
    rows = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            return [], [ImportProblem(reader.line_num, str(_l(
                "The file has more than %(max)d rows.", max=MAX_ROWS)))]
        values = {k: (v or "").strip() for k, v in row.items() if k}
        if any(values.values()):
            rows.append((reader.line_num, values))
    if not rows:
        return [], [ImportProblem(1, str(_l("The file has no lessons.")))]
    return rows, []


def import_timetable(school_id: int, year: SchoolYear, data: bytes,
                     actor: SchoolAccount | None = None) -> ImportResult:
    """Replace the named classes' weekly slots with the file's; TimetableInvalid on any problem.

    ``actor`` is the administrator for the change history (None: the command line).
    """
    rows, problems = read_rows(data)
    if problems:
        raise TimetableInvalid(problems)
    classes, subjects, teachers, groups = _lookups(school_id, year)
    bells = periods(school_id)
    lessons: list[PlannedLesson] = []
    subject_ids: list[int] = []
    lines: list[int] = []
    for line, row in rows:
        found: list = []
        klass = classes.get(_key(row["class"]))
        if klass is None:
            found.append(_l("there is no class “%(name)s” this school year.", name=row["class"]))
        weekday = _DAYS.get(_key(row["weekday"]))
        if weekday is None:
            found.append(_l("“%(day)s” is not a school day (Monday to Friday, or 1 to 5).",
                            day=row["weekday"]))
        period = int(row["period"]) if row["period"].isdigit() else None
        if period not in bells:
            found.append(_l("there is no lesson “%(period)s” in the bell times.",
                            period=row["period"]))
        subject = subjects.get(_key(row["subject"]))
        if subject is None:
            found.append(_l("there is no subject “%(name)s” (or the name fits two).",
                            name=row["subject"]))
        teacher = teachers.get(_key(row["teacher"]))
        if teacher is None:
            found.append(_l("there is no teacher “%(name)s” (or two have that name).",
                            name=row["teacher"]))
        room = row.get("room", "")
        if len(room) > 20:
            found.append(_l("the room has at most 20 characters."))
        group = None
        if row.get("group") and klass is not None:
            group = groups.get((klass.id, _key(row["group"])))
            if group is None:
                found.append(_l("class %(cls)s has no group “%(name)s”.", cls=klass.name,
                                name=row["group"]))
        if found:
            problems.extend(ImportProblem(line, str(message)) for message in found)
            continue
        lessons.append(PlannedLesson(weekday, period, klass.id, klass.name, subject.name,
                                     teacher.id, teacher.full_name, room or None,
                                     group.id if group else None, group.name if group else None))
        subject_ids.append(subject.id)
        lines.append(line)
    named = {classes[_key(row["class"])].id for _line, row in rows if _key(row["class"]) in classes}
    kept = [other for other in year_lessons(school_id, year.id) if other.class_id not in named]
    for index, clashes in clashes_among(lessons, kept).items():
        problems.extend(ImportProblem(lines[index], clash.message) for clash in clashes)
    if problems:
        raise TimetableInvalid(sorted(problems, key=lambda p: p.line))
    return _apply(school_id, year, list(zip(lessons, subject_ids, strict=True)), named, actor)


def _apply(school_id: int, year: SchoolYear, lessons: list[tuple[PlannedLesson, int]],
           class_ids: set[int], actor: SchoolAccount | None) -> ImportResult:
    """Swap the classes' weekly slots for the checked lessons; add missing teaching assignments."""
    old = list(db.session.execute(sa.select(TimetableEntry).where(
        TimetableEntry.school_id == school_id, TimetableEntry.school_year_id == year.id,
        TimetableEntry.class_id.in_(class_ids))).scalars())
    for entry in old:
        db.session.delete(entry)
    assigned = {tuple(row) for row in db.session.execute(sa.select(
        TeachingAssignment.class_id, TeachingAssignment.subject_id, TeachingAssignment.teacher_id)
        .where(TeachingAssignment.school_id == school_id,
               TeachingAssignment.class_id.in_(class_ids)))}
    created = 0
    for lesson, subject_id in lessons:
        db.session.add(TimetableEntry(
            school_id=school_id, school_year_id=year.id, class_id=lesson.class_id,
            weekday=lesson.weekday, period_number=lesson.period, subject_id=subject_id,
            teacher_id=lesson.teacher_id, room=lesson.room, group_id=lesson.group_id))
        key = (lesson.class_id, subject_id, lesson.teacher_id)
        if key not in assigned:
            assigned.add(key)
            db.session.add(TeachingAssignment(school_id=school_id, class_id=key[0],
                                              subject_id=key[1], teacher_id=key[2]))
            created += 1
    db.session.flush()
    names = sorted(db.session.execute(sa.select(SchoolClass.name).where(
        SchoolClass.school_id == school_id, SchoolClass.id.in_(class_ids))).scalars())
    record_change(school_id, "timetable_entry", 0, pupil_id=None, action="update",
                  old={"classes": names, "slots": len(old)},
                  new={"classes": names, "slots": len(lessons), "imported": True,
                       "assignments_created": created}, actor=actor)
    return ImportResult(rows=len(lessons), classes=names, removed=len(old),
                        assignments_created=created)
