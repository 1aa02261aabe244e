"""Import the roster CSV: validate every row first, then apply all of it or nothing.

One row per pupil–guardian pair. A pupil is identified by first name, last name
and birth date within the school; a guardian by name and e-mail. Importing the
same file again finds everything in place and changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.logins import ensure_family_accounts
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from gradebook_service.roster.enrolment import ensure_enrolments
from gradebook_service.roster.register_numbers import number_new_pupils, register_order
from gradebook_service.school.models import (
    MOVED,
    Enrolment,
    Guardian,
    Guardianship,
    Pupil,
    SchoolClass,
    SchoolYear,
)

COLUMNS = ("class", "pupil_first_name", "pupil_last_name", "pupil_birth_date",
           "guardian_first_name", "guardian_last_name", "guardian_email")
CLASS_NAME = re.compile(r"^([1-8])\s*([a-zA-Z]{1,3})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_BYTES = 5 * 1024 * 1024


def _text(message) -> str:
    """Render a lazy message: in the request's language, or Polish outside a request (CLI)."""
    if has_request_context():
        return str(message)
    with force_locale("pl"):
        return str(message)


@dataclass
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


class RosterInvalid(Exception):
    """The file has problems; nothing was imported. ``problems`` lists them by line."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class NoCurrentYear(Exception):
    """The school has no current school year to put classes in."""


@dataclass
class RosterRow:
    line: int
    class_name: str
    level: int
    pupil_first: str
    pupil_last: str
    birth_date: date
    guardian_first: str
    guardian_last: str
    guardian_email: str | None


@dataclass(frozen=True)
class MissingPupil:
    """A pupil of the school the file does not name (left? the admin decides)."""

    number: int
    pupil_id: int
    name: str
    class_name: str

    def __str__(self) -> str:
        return f"{self.number}: {self.name} ({self.class_name}, id {self.pupil_id})"


@dataclass
class ImportResult:
    rows: int = 0
    classes_created: int = 0
    pupils_created: int = 0
    pupils_moved: int = 0
    guardians_created: int = 0
    guardianships_created: int = 0
    accounts_created: int = 0
    new_pupil_ids: list[int] = field(default_factory=list)
    #: Pupils on the school's list whom the file does not name: numbered, for the report.
    missing: list[MissingPupil] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any((self.classes_created, self.pupils_created, self.pupils_moved,
                    self.guardians_created, self.guardianships_created, self.accounts_created))


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _has_control_character(value: str | None) -> bool:
    """True for NUL and other control characters: PostgreSQL refuses NUL, nobody's name has one."""
    return any(unicodedata.category(c) == "Cc" for c in value or "")


def parse(data: bytes | str) -> list[RosterRow]:
    """Parse and validate the CSV; raise :class:`RosterInvalid` with every problem found."""
    problems: list[RowProblem] = []
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise RosterInvalid([RowProblem(0, _text(_l("The file is too large (at most 5 MB).")))])
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RosterInvalid([RowProblem(0, _text(_l(
                "The file is not UTF-8 text. Save it as CSV UTF-8.")))]) from None
    sample = data[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(data, newline=""), delimiter=delimiter)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RosterInvalid([RowProblem(1, _text(_l("Missing columns: %(cols)s.",
                                                  cols=", ".join(missing))))])
    reader.fieldnames = header
    rows: list[RosterRow] = []
    seen: dict[tuple, int] = {}
    for raw in reader:
        line = reader.line_num
        if not any((v or "").strip() for k, v in raw.items() if k):
            continue
        errs: list[str] = [
            _text(_l("%(column)s contains a control character (such as NUL); remove it.",
                     column=col))
            for col in COLUMNS if _has_control_character(raw.get(col))]
        class_name = _clean(raw.get("class")).replace(" ", "").lower()
        match = CLASS_NAME.match(class_name)
        if not match:
            errs.append(_text(_l("class %(value)s is not a class name like 1a.",
                               value=repr(raw.get("class") or "")))
                        if class_name else _text(_l("class is empty.")))
        values = {}
        for col in ("pupil_first_name", "pupil_last_name", "guardian_first_name",
                    "guardian_last_name"):
            value = _clean(raw.get(col))
            if not value:
                errs.append(_text(_l("%(column)s is empty.", column=col)))
            elif len(value) > 100:
                errs.append(_text(_l("%(column)s is longer than 100 characters.", column=col)))
            values[col] = value
        birth = None
        raw_birth = _clean(raw.get("pupil_birth_date"))
        try:
            birth = date.fromisoformat(raw_birth)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw_birth):
                raise ValueError
            if not 3 <= (date.today().year - birth.year) <= 25:
                errs.append(_text(_l("pupil_birth_date %(value)s is not a plausible birth date.",
                                   value=raw_birth)))
        except ValueError:
            errs.append(_text(_l("pupil_birth_date %(value)s is not a date like 2019-05-31.",
                               value=repr(raw_birth))))
        email = _clean(raw.get("guardian_email")).lower() or None
        if email and (not EMAIL.match(email) or len(email) > 320):
            errs.append(_text(_l("guardian_email %(value)s is not an e-mail address.",
                               value=repr(email))))
        if not errs:
            key = (values["pupil_first_name"].lower(), values["pupil_last_name"].lower(), birth,
                   values["guardian_first_name"].lower(), values["guardian_last_name"].lower())
            if key in seen:
                errs.append(_text(_l("the same pupil and guardian as on line %(line)d.",
                                   line=seen[key])))
            seen[key] = line
        if errs:
            problems.extend(RowProblem(line, e) for e in errs)
            continue
        rows.append(RosterRow(line, class_name, int(match.group(1)), values["pupil_first_name"],
                              values["pupil_last_name"], birth, values["guardian_first_name"],
                              values["guardian_last_name"], email))
    # One pupil must be in one class within the file.
    classes: dict[tuple, tuple[str, int]] = {}
    for row in rows:
        key = (row.pupil_first.lower(), row.pupil_last.lower(), row.birth_date)
        if key in classes and classes[key][0] != row.class_name:
            problems.append(RowProblem(row.line, _text(_l(
                "the pupil is in class %(other)s on line %(line)d.",
                other=classes[key][0], line=classes[key][1]))))
        classes.setdefault(key, (row.class_name, row.line))
    if not rows and not problems:
        problems.append(RowProblem(1, _text(_l("The file has no rows."))))
    if problems:
        raise RosterInvalid(sorted(problems, key=lambda p: p.line))
    return rows


def current_year(school_id: int) -> SchoolYear:
    year = db.session.execute(sa.select(SchoolYear).where(
        SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True))).scalar_one_or_none()
    if year is None:
        raise NoCurrentYear()
    return year


def import_roster(school_id: int, data: bytes | str, *, actor: str = "cli",
                  joined_on: date | None = None) -> ImportResult:
    """Validate and apply the roster; nothing is written if any row has a problem."""
    rows = parse(data)
    year = current_year(school_id)
    joined_on = joined_on or date.today()
    result = ImportResult(rows=len(rows))
    classes = {c.name: c for c in db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year_id == year.id)).scalars()}
    pupils: dict[tuple, Pupil] = {}
    for p in db.session.execute(sa.select(Pupil).where(Pupil.school_id == school_id)).scalars():
        pupils[(p.first_name.lower(), p.last_name.lower(), p.birth_date)] = p
    guardians: dict[tuple, Guardian] = {}
    for g in db.session.execute(sa.select(Guardian).where(Guardian.school_id == school_id)).scalars():
        guardians.setdefault((g.first_name.lower(), g.last_name.lower(), (g.email or "").lower()), g)
    pairs = {(gs.pupil_id, gs.guardian_id): gs for gs in db.session.execute(
        sa.select(Guardianship).where(Guardianship.school_id == school_id)).scalars()}
    ensure_enrolments(school_id, year)
    positions: dict[int, int] = {}
    for (pupil_id, _g), gs in pairs.items():
        positions[pupil_id] = max(positions.get(pupil_id, 0), gs.position)
    reserved: set[str] = set()
    new_guardianships: list[Guardianship] = []
    for row in rows:
        school_class = classes.get(row.class_name)
        if school_class is None:
            school_class = SchoolClass(school_id=school_id, school_year_id=year.id,
                                       name=row.class_name, level=row.level)
            db.session.add(school_class)
            db.session.flush()
            classes[row.class_name] = school_class
            result.classes_created += 1
        pkey = (row.pupil_first.lower(), row.pupil_last.lower(), row.birth_date)
        pupil = pupils.get(pkey)
        if pupil is None:
            pupil = Pupil(school_id=school_id, class_id=school_class.id,
                          first_name=row.pupil_first, last_name=row.pupil_last,
                          birth_date=row.birth_date, joined_on=joined_on)
            db.session.add(pupil)
            db.session.flush()
            pupils[pkey] = pupil
            result.pupils_created += 1
            result.new_pupil_ids.append(pupil.id)
        elif pupil.class_id != school_class.id:
            _record_move(pupil, school_class, year, joined_on)
            pupil.class_id = school_class.id
            pupil.register_number = None  # numbered again at the end of the new class
            pupil.left_on = pupil.left_reason = pupil.family_access_until = None
            result.pupils_moved += 1
        gkey = (row.guardian_first.lower(), row.guardian_last.lower(), row.guardian_email or "")
        guardian = guardians.get(gkey)
        if guardian is None:
            guardian = Guardian(school_id=school_id, first_name=row.guardian_first,
                                last_name=row.guardian_last, email=row.guardian_email)
            db.session.add(guardian)
            db.session.flush()
            guardians[gkey] = guardian
            result.guardians_created += 1
        if (pupil.id, guardian.id) not in pairs:
            position = positions.get(pupil.id, 0) + 1
            positions[pupil.id] = position
            gs = Guardianship(school_id=school_id, pupil=pupil, guardian=guardian,
                              position=position)
            db.session.add(gs)
            pairs[(pupil.id, guardian.id)] = gs
            new_guardianships.append(gs)
            result.guardianships_created += 1
    db.session.flush()
    number_new_pupils(school_id, {classes[row.class_name].id for row in rows})
    ensure_enrolments(school_id, year)
    result.missing = missing_pupils(school_id, year, set(pupils[k].id for k in (
        (r.pupil_first.lower(), r.pupil_last.lower(), r.birth_date) for r in rows)))
    for gs in sorted(new_guardianships, key=lambda g: g.position):
        result.accounts_created += len(ensure_family_accounts(gs, reserved))
    # A pupil whose first guardian existed before but who has no account yet gets one.
    if result.changed:
        audit("roster.imported", actor=actor, rows=result.rows,
              pupils_created=result.pupils_created, guardianships_created=result.guardianships_created,
              accounts_created=result.accounts_created)
    db.session.flush()
    return result


def _record_move(pupil: Pupil, school_class: SchoolClass, year: SchoolYear, on: date) -> None:
    """The file puts a known pupil in another class: close the old enrolment, open one."""
    if pupil.class_id is not None:
        old = db.session.execute(sa.select(Enrolment).where(
            Enrolment.school_id == pupil.school_id, Enrolment.pupil_id == pupil.id,
            Enrolment.class_id == pupil.class_id, Enrolment.ends_on.is_(None))
        ).scalars().first()
        if old is not None and old.school_year_id == year.id:
            if old.starts_on >= on:  # moved on the day they came: the class was a mistake
                db.session.delete(old)
            else:
                old.ends_on = date.fromordinal(on.toordinal() - 1)
    db.session.add(Enrolment(school_id=pupil.school_id, pupil_id=pupil.id,
                             school_year_id=year.id, class_id=school_class.id,
                             starts_on=max(on, year.starts_on), reason=MOVED))


def missing_pupils(school_id: int, year: SchoolYear, named: set[int]) -> list[MissingPupil]:
    """Pupils in the current year's classes whom the file does not name, by class and name.

    Before, a re-import kept them silently; now the report lists them and the
    administrator decides whether they left (``roster/enrolment.py`` ``leave_school``).
    """
    rows = db.session.execute(
        sa.select(Pupil, SchoolClass.name).join(SchoolClass, SchoolClass.id == Pupil.class_id)
        .where(Pupil.school_id == school_id, SchoolClass.school_year_id == year.id,
               Pupil.left_on.is_(None), Pupil.id.notin_(named or {-1}))).all()
    rows.sort(key=lambda r: (r[1], register_order(r[0])))
    return [MissingPupil(n, p.id, p.full_name, class_name)
            for n, (p, class_name) in enumerate(rows, start=1)]
