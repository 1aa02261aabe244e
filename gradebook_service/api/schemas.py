"""The API's request and response shapes: they validate every response and make the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from gradebook_service.announcements.models import AUDIENCES
from gradebook_service.calendar.models import KINDS
from gradebook_service.lessons.models import STATUSES
from gradebook_service.messages.services import BODY_MAX, SUBJECT_MAX

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
    account: str = Field(description="the school account through which the token sees the "
                                     "pupil: `account` of the /messages endpoints")


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


# --- messages (the account's, not one pupil's) -------------------------------------------

Folder = Literal["inbox", "sent", "archive"]
#: Text without NUL characters (PostgreSQL cannot store them in text columns).
NO_NUL = r"^[^\x00]*$"
#: A school account as the token's ``school_accounts`` claim names it (``ref``).
ACCOUNT_DESCRIPTION = ("the school account whose messages these are (`account` of a pupil in "
                       "/me); needed only when the token speaks for more than one account")


class AccountQuery(Schema):
    account: str | None = Field(None, max_length=32, pattern=r"^[A-Za-z0-9_-]+$",
                                description=ACCOUNT_DESCRIPTION)


class ThreadListQuery(ListQuery, AccountQuery):
    folder: Folder = Field("inbox", description="inbox, sent or archive")
    q: str | None = Field(None, max_length=100, description="words in the subject or a message")


class ThreadSummary(Schema):
    id: int = Field(description="the thread, used in the paths below")
    subject: str
    counterpart: str = Field(description="who wrote to the account (in sent: whom it wrote to)")
    last_at: datetime | None = Field(description="the newest message of this folder's kind")
    unread: bool = Field(description="true while a message to the account in it is unopened")
    unread_count: int = Field(ge=0)
    archived: bool


class Threads(Page):
    account: str
    items: list[ThreadSummary]


class AttachmentInfo(Schema):
    id: str = Field(description="the attachment's opaque identifier")
    filename: str
    content_type: str
    size: int = Field(ge=0, description="bytes")


class ReceiptInfo(Schema):
    recipient: str
    read_at: datetime | None
    confirmed_at: datetime | None


class MessageItem(Schema):
    id: int
    sender: str
    mine: bool = Field(description="sent by this account")
    body: str = Field(description="plain text")
    created_at: datetime
    requires_confirmation: bool
    read_at: datetime | None = Field(description="when this account opened it (received only)")
    confirmed_at: datetime | None
    attachments: list[AttachmentInfo]
    receipts: list[ReceiptInfo] = Field(
        description="for the account's own messages: who has read them")


class Recipient(Schema):
    id: str = Field(description="the value to send in `recipients`")
    name: str
    group: str


class Thread(Schema):
    id: int
    subject: str
    archived: bool
    messages: list[MessageItem]
    reply_to: list[Recipient] = Field(description="whom an answer may reach")
    reply_default: list[str] = Field(description="recipients an answer goes to by default")


class Recipients(Schema):
    account: str
    items: list[Recipient]


class NewMessage(Schema):
    recipients: list[str] = Field(min_length=1, max_length=50,
                                  description="`id`s from GET /messages/recipients")
    subject: str = Field(max_length=SUBJECT_MAX, pattern=NO_NUL)
    body: str = Field(max_length=BODY_MAX, pattern=NO_NUL)


class NewReply(Schema):
    recipients: list[str] | None = Field(
        None, max_length=50, description="`id`s from the thread's reply_to (default: "
                                         "reply_default, as the web form preselects)")
    body: str = Field(max_length=BODY_MAX, pattern=NO_NUL)


class Sent(Schema):
    thread_id: int
    message_id: int
