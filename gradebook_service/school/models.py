"""School structure and people.

The school is the tenant: every school-owned row carries ``school_id`` and
composite indexes lead with it (docs/architecture.md section 2), so every query can be
scoped by school and the tables can later be distributed by it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from shared.collation import order_by_name
from shared.database import TimestampMixin, UTCDateTime


def new_ref() -> str:
    """An opaque, unguessable public reference (shared with the IdP instead of row ids)."""
    return secrets.token_urlsafe(16)


class School(TimestampMixin, db.Model):
    """A school: the tenant every other row belongs to."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(60))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    #: The voivodeship (województwo) code, which decides the school's winter-break group.
    voivodeship: Mapped[str | None] = mapped_column(sa.String(40))
    #: Per-school settings (grade values, attendance types, caps …); see each domain's defaults.
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Days a family keeps read access after their child left the school (skreślenie).
    leaving_grace_days: Mapped[int] = mapped_column(default=30, server_default="30")
    #: Days graduates' families keep read access after the year they graduated in ends.
    graduate_retention_days: Mapped[int] = mapped_column(default=365, server_default="365")


class SchoolYear(SchoolKeyed, db.Model):
    """A school year, e.g. 2026/2027, with two terms."""

    __tablename__ = "school_year"
    __table_args__ = (sa.UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    name: Mapped[str] = mapped_column(sa.String(20))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    is_current: Mapped[bool] = mapped_column(default=False)

    terms: Mapped[list[Term]] = school_relationship(back_populates="school_year", order_by="Term.number")


class Term(SchoolKeyed, db.Model):
    """One of the two terms (semestr) of a school year."""

    __tablename__ = "term"
    __table_args__ = (sa.UniqueConstraint("school_id", "school_year_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    school_year_id: Mapped[int] = mapped_column(sa.ForeignKey("school_year.id"))
    number: Mapped[int]  # 1 or 2
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    school_year: Mapped[SchoolYear] = school_relationship(back_populates="terms")


class StaffMember(SchoolKeyed, TimestampMixin, db.Model):
    """A teacher, secretary or administrator (one person may hold several roles)."""

    __tablename__ = "staff_member"
    __table_args__ = (sa.Index("ix_staff_member_school_name", "school_id", "last_name", "first_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    is_teacher: Mapped[bool] = mapped_column(default=False)
    is_secretary: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: When the person left the school: the account cannot sign in, the history stays.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class SchoolClass(SchoolKeyed, db.Model):
    """A class (oddział) in a school year, e.g. 1a, with its homeroom teacher (wychowawca)."""

    __tablename__ = "school_class"
    __table_args__ = (sa.UniqueConstraint("school_id", "school_year_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    school_year_id: Mapped[int] = mapped_column(sa.ForeignKey("school_year.id"))
    name: Mapped[str] = mapped_column(sa.String(10))
    level: Mapped[int]  # 1–8 in a primary school
    homeroom_teacher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"))

    homeroom_teacher: Mapped[StaffMember | None] = school_relationship()
    school_year: Mapped[SchoolYear] = school_relationship()
    pupils: Mapped[list[Pupil]] = school_relationship(back_populates="school_class",
                                               order_by=lambda: [*order_by_name(
                                                   Pupil.last_name, Pupil.first_name), Pupil.id])


class Pupil(SchoolKeyed, TimestampMixin, db.Model):
    """A pupil, in one class of the current year (none once they left or graduated).

    ``class_id`` is where the pupil is now; where they were, and when, is in
    :class:`Enrolment` (the history the year switcher and moves rely on).
    """

    __tablename__ = "pupil"
    __table_args__ = (
        sa.Index("ix_pupil_school_class", "school_id", "class_id"),
        sa.Index("ix_pupil_school_identity", "school_id", "last_name", "first_name", "birth_date"),
        sa.UniqueConstraint("school_id", "ref"),
        sa.Index("ix_pupil_ref", "ref"),  # the API finds a pupil by ref alone
    )
    __directory__ = ("ref",)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    class_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_class.id"))
    ref: Mapped[str] = mapped_column(sa.String(32), default=new_ref)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    birth_date: Mapped[date]
    #: The day the pupil joined the school (letters for families new since a date).
    joined_on: Mapped[date]
    #: Number in the class register (for the lucky number of the day).
    register_number: Mapped[int | None]
    #: The day the pupil left the school (skreślenie z listy uczniów) or graduated.
    left_on: Mapped[date | None]
    #: Why: ``graduated`` or the administrator's words (kept with the records).
    left_reason: Mapped[str | None] = mapped_column(sa.String(300))
    #: The last day the family may still read the register (grace or retention period).
    family_access_until: Mapped[date | None]

    school_class: Mapped[SchoolClass | None] = school_relationship(back_populates="pupils")
    guardianships: Mapped[list[Guardianship]] = school_relationship(
        back_populates="pupil", order_by="Guardianship.position")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        return day.year - self.birth_date.year - (
            (day.month, day.day) < (self.birth_date.month, self.birth_date.day))


#: Why an enrolment started.
JOINED = "joined"
MOVED = "moved"
PROMOTED = "promoted"
REPEATING = "repeating"
ENROLMENT_REASONS = (JOINED, MOVED, PROMOTED, REPEATING)


class Enrolment(SchoolKeyed, db.Model):
    """A pupil's time in one class (and its groups) of one school year: the history.

    A pupil has one row per class per year, a new one when moved mid-year (the old
    one then ends the day before). ``ends_on`` None means "to the end of that
    year", so closing a year (the rollover) never writes to the old year's rows.
    """

    __tablename__ = "enrolment"
    __table_args__ = (
        sa.CheckConstraint("reason in ('joined', 'moved', 'promoted', 'repeating')",
                           name="reason"),
        sa.CheckConstraint("ends_on is null or ends_on >= starts_on", name="range"),
        sa.Index("ix_enrolment_school_pupil", "school_id", "pupil_id", "starts_on"),
        sa.Index("ix_enrolment_school_class", "school_id", "class_id"),
        sa.Index("ix_enrolment_school_year", "school_id", "school_year_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))
    school_year_id: Mapped[int] = mapped_column(sa.ForeignKey("school_year.id"))
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))
    #: The groups of the class the pupil was in during this time (ids of ``class_group``).
    group_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(sa.String(20), default=JOINED)

    school_class: Mapped[SchoolClass] = school_relationship()
    school_year: Mapped[SchoolYear] = school_relationship()


class Guardian(SchoolKeyed, TimestampMixin, db.Model):
    """A parent or legal guardian; may look after several pupils."""

    __tablename__ = "guardian"
    __table_args__ = (sa.Index("ix_guardian_school_name", "school_id", "last_name", "first_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(320))

    guardianships: Mapped[list[Guardianship]] = school_relationship(back_populates="guardian")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Guardianship(SchoolKeyed, db.Model):
    """A pupil–guardian pair: the unit a parent login and a welcome letter are issued for."""

    __tablename__ = "guardianship"
    __table_args__ = (sa.UniqueConstraint("school_id", "pupil_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))
    guardian_id: Mapped[int] = mapped_column(sa.ForeignKey("guardian.id"))
    #: 1 for the first guardian (whose login the pupil's login derives from), then 2, 3 …
    position: Mapped[int] = mapped_column(default=1)

    pupil: Mapped[Pupil] = school_relationship(back_populates="guardianships")
    guardian: Mapped[Guardian] = school_relationship(back_populates="guardianships")


class Subject(SchoolKeyed, db.Model):
    """A subject taught in the school (matematyka, język polski …)."""

    __tablename__ = "subject"
    __table_args__ = (sa.UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    short_name: Mapped[str] = mapped_column(sa.String(20))


class ClassGroup(SchoolKeyed, db.Model):
    """A group within a class (a language group, religion or ethics) that some lessons are for."""

    __tablename__ = "class_group"
    __table_args__ = (sa.UniqueConstraint("school_id", "class_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))
    name: Mapped[str] = mapped_column(sa.String(60))

    school_class: Mapped[SchoolClass] = school_relationship()


class ClassGroupMember(SchoolKeyed, db.Model):
    """A pupil's place in a group of their class."""

    __tablename__ = "class_group_member"
    __table_args__ = (sa.UniqueConstraint("school_id", "group_id", "pupil_id"),
                      sa.Index("ix_class_group_member_school_pupil", "school_id", "pupil_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("class_group.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id"))


class TeachingAssignment(SchoolKeyed, db.Model):
    """Who teaches which subject to which class (or one group of it): a teacher's permissions."""

    __tablename__ = "teaching_assignment"
    __table_args__ = (sa.UniqueConstraint("school_id", "class_id", "subject_id", "teacher_id",
                                          "group_id"),
                      sa.Index("ix_teaching_assignment_school_teacher", "school_id", "teacher_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subject.id"))
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"))
    #: None: the whole class; else the group of the class this assignment teaches.
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("class_group.id"))

    school_class: Mapped[SchoolClass] = school_relationship()
    subject: Mapped[Subject] = school_relationship()
    teacher: Mapped[StaffMember] = school_relationship()
    group: Mapped[ClassGroup | None] = school_relationship()


#: Kinds of free days: public holidays, statutory breaks, the winter break, the school's own.
HOLIDAY = "holiday"
BREAK = "break"
WINTER_BREAK = "winter_break"
SCHOOL_DAY_OFF = "school"
FREE_DAY_KINDS = (HOLIDAY, BREAK, WINTER_BREAK, SCHOOL_DAY_OFF)


class FreeDay(SchoolKeyed, db.Model):
    """Days without lessons in a school year: one day or a range (the winter break)."""

    __tablename__ = "free_day"
    __table_args__ = (
        sa.CheckConstraint("kind in ('holiday', 'break', 'winter_break', 'school')", name="kind"),
        sa.CheckConstraint("ends_on >= starts_on", name="range"),
        sa.UniqueConstraint("school_id", "school_year_id", "kind", "starts_on"),
        sa.Index("ix_free_day_school_dates", "school_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    school_year_id: Mapped[int] = mapped_column(sa.ForeignKey("school_year.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    starts_on: Mapped[date]
    ends_on: Mapped[date]


class RolloverJob(SchoolKeyed, TimestampMixin, db.Model):
    """One run of the rollover wizard: the page polls it while a thread does the work.

    The job's final status is written in the rollover's own transaction, so "done"
    and the new year commit together (or neither does).
    """

    __tablename__ = "rollover_job"
    __table_args__ = (
        sa.CheckConstraint("status in ('pending', 'running', 'done', 'failed')", name="status"),
        sa.Index("ix_rollover_job_school_created", "school_id", "created_at"),
        # Unique per school: a job is only ever watched from its own school's pages.
        sa.UniqueConstraint("school_id", "public_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    public_id: Mapped[str] = mapped_column(sa.String(32), default=new_ref)
    #: The school account that started it (only they can watch it).
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    to_year: Mapped[str] = mapped_column(sa.String(20))
    repeating_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    error: Mapped[str | None] = mapped_column(sa.String(300))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KeyDirectory(db.Model):
    """Values that must be unique across all schools, each with the school that holds it.

    A login (sign-in is by login alone), the refs the IdP names accounts and pupils by, a
    calendar feed token, a passkey's credential id: each is looked up before the school
    is known, so it cannot be unique merely per school. The school-owned tables keep
    ``UNIQUE (school_id, value)`` (distributable by school); this table — distributed by
    ``digest`` on Citus, so its primary key is enforceable there — keeps the value unique
    everywhere and says which school's shard holds it. Rows are written in the same
    flush as the row they stand for (:func:`_keep_directory`), so a duplicate fails that
    flush exactly as a global unique constraint did. Only digests are stored: no login or
    token is copied out of its table.
    """

    __tablename__ = "key_directory"

    #: SHA-256 of the table, column and value (one fixed width for text and bytes).
    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))


def directory_digest(model: type, column: str, value: str | bytes) -> str:
    """The directory key of ``value`` in ``model.column`` (see :class:`KeyDirectory`)."""
    raw = value if isinstance(value, bytes) else value.encode()
    return hashlib.sha256(f"{model.__tablename__}.{column}\0".encode() + raw).hexdigest()


def forget_in_directory(model: type, column: str, values: list) -> None:
    """Drop directory rows of values removed with a bulk ``DELETE`` (no ORM event sees those)."""
    if values:
        db.session.execute(sa.delete(KeyDirectory).where(KeyDirectory.digest.in_(
            [directory_digest(model, column, value) for value in values])))


def _directory_columns(obj) -> tuple[str, ...]:
    return getattr(type(obj), "__directory__", ())


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _note_leaving_values(session: sa.orm.Session, _context, _instances) -> None:
    """Before the flush, while they can still be loaded: the values about to be deleted."""
    session.info["directory_leaving"] = [  # replaces what a failed flush may have left
        directory_digest(type(obj), column, value) for obj in session.deleted
        for column in _directory_columns(obj) if (value := getattr(obj, column)) is not None]


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _keep_directory(session: sa.orm.Session, _context) -> None:
    """Write the directory rows of the values the flush just inserted, changed or deleted.

    Models name their globally unique columns in ``__directory__``; one INSERT (and at
    most one DELETE) per flush, whatever the number of rows.
    """
    added, removed = [], session.info.pop("directory_leaving", [])
    for obj in (*session.new, *session.dirty):
        state = sa.inspect(obj)
        for column in _directory_columns(obj):
            if obj in session.new:
                new, old = [getattr(obj, column)], []
            else:
                history = state.attrs[column].history
                new, old = list(history.added), list(history.deleted)
            added += [{"digest": directory_digest(type(obj), column, value),
                       "school_id": obj.school_id} for value in new if value is not None]
            removed += [directory_digest(type(obj), column, value) for value in old
                        if value is not None]
    if not (added or removed):
        return
    connection = session.connection()
    if removed:
        connection.execute(sa.delete(KeyDirectory.__table__).where(
            KeyDirectory.__table__.c.digest.in_(removed)))
    if added:
        connection.execute(sa.insert(KeyDirectory.__table__), added)
