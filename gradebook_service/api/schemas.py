"""The API's request and response shapes: they validate every response and make the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from gradebook_service.announcements.models import AUDIENCES
from gradebook_service.calendar.models import KINDS
from gradebook_service.lessons.models import STATUSES

AttendanceStatus = Literal[STATUSES]  # type: ignore[valid-type]
EventKind = Literal[KINDS]  # type: ignore[valid-type]
Audience = Literal[AUDIENCES]  # type: ignore[valid-type]


class Schema(BaseModel):
    """A closed shape: unknown fields are errors, values are checked on construction."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Problem(Schema):
    """An error (RFC 9457 problem details)."""

    type: str = "about:blank"
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    errors: list[dict] | None = Field(None, description="what was wrong with the request")


class PupilRef(Schema):
    id: str = Field(description="the pupil's opaque identifier, used in the paths below")
    name: str
    class_name: str = Field(alias="class", description="the class, e.g. 4b")
    school: str
    relation: Literal["parent", "pupil"] = Field(
        description="how the token's user is related: a parent of the pupil, or the pupil")


class Me(Schema):
    sub: str = Field(description="the user at the identity provider")
    client_id: str
    scopes: list[str]
    pupils: list[PupilRef]


class Page(Schema):
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page")


class GradeItem(Schema):
    id: int
    subject_id: int
    subject: str
    value: str = Field(description="as written in the register: 1–6 with + or -, np, nb, bz …")
    counts_to_average: bool
    category: str
    weight: int
    date: date
    description: str
    teacher: str
    term: int
    created_at: datetime


class Grades(Page):
    items: list[GradeItem]


class FinalGradeItem(Schema):
    period: Literal["term", "year"]
    stage: Literal["proposed", "final"]
    value: int = Field(ge=1, le=6)


class SubjectAverage(Schema):
    subject_id: int
    subject: str
    term1: float | None = Field(description="weighted average of term 1, null without grades")
    term2: float | None
    year: float | None
    final_grades: list[FinalGradeItem]


class Averages(Schema):
    school_year: str
    subjects: list[SubjectAverage]


class AttendanceItem(Schema):
    id: int = Field(description="use in an excuse's `absences`")
    date: date
    period: int
    subject: str
    status: AttendanceStatus


class Attendance(Page):
    items: list[AttendanceItem]


class ExcuseRequest(Schema):
    absences: list[int] = Field(min_length=1, max_length=100,
                                description="ids of unexcused absences (from attendance)")
    reason: str = Field(min_length=1, max_length=1000)


class Excuse(Schema):
    id: int
    status: Literal["pending", "accepted", "rejected"]
    reason: str
    absences: list[int]
    created_at: datetime


class TimetableLesson(Schema):
    date: date
    period: int
    starts_at: time | None
    ends_at: time | None
    subject: str
    teacher: str
    room: str | None
    status: Literal["normal", "substitution", "cancellation", "room_change"]
    original_subject: str | None
    original_teacher: str | None
    note: str | None


class Timetable(Schema):
    from_date: date = Field(alias="from")
    to_date: date = Field(alias="to")
    lessons: list[TimetableLesson]


#: When staff last changed an entry (families see "zmieniono …"); null if never changed.
EditedAt = Annotated[datetime | None, Field(
    description="when the entry was last edited (UTC); null if it never was")]


class HomeworkItem(Schema):
    id: int
    subject: str
    teacher: str
    assigned_on: date
    due_on: date
    description: str
    edited_at: EditedAt


class Homework(Page):
    items: list[HomeworkItem]


class EventItem(Schema):
    id: int
    kind: EventKind
    date: date
    period: int | None
    title: str
    description: str
    subject: str | None
    teacher: str
    edited_at: EditedAt


class Events(Page):
    items: list[EventItem]


class AnnouncementItem(Schema):
    id: int
    title: str
    body: str
    author: str
    audience: Audience
    valid_from: date
    valid_until: date
    edited_at: EditedAt


class Announcements(Page):
    items: list[AnnouncementItem]


class LuckyNumber(Schema):
    date: date
    number: int | None = Field(description="null when the class has no register numbers")


class ListQuery(Schema):
    """Query parameters of every list."""

    cursor: str | None = Field(None, max_length=200, pattern=r"^[A-Za-z0-9_-]+$",
                               description="next_cursor of the previous page (opaque)")
    limit: int = Field(50, ge=1, le=200)


class RangeQuery(ListQuery):
    """A list over dates (defaults: the last 30 days up to today, or the next 30 from today)."""

    from_date: date | None = Field(None, alias="from")
    to_date: date | None = Field(None, alias="to")


class TimetableQuery(Schema):
    from_date: date | None = Field(None, alias="from", description="default: this week's Monday")
    to_date: date | None = Field(None, alias="to", description="at most 31 days after `from`")
