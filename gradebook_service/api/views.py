"""``/api/v1``: whom a token speaks for, and per pupil grades, attendance, excuses, timetable …

Every view receives the verified :class:`Caller` (operations.py) and reaches a pupil
only through :func:`pupil_or_404`; lists are cursor-paginated and reads answer 304
to a matching ``If-None-Match`` (http.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import PARENT
from gradebook_service.announcements.services import current_announcements
from gradebook_service.api import scopes
from gradebook_service.api.blueprint import bp, operation
from gradebook_service.api.caller import Caller, Visible, pupil_or_404, visible_pupils
from gradebook_service.api.errors import BadRequest, Forbidden, NotFound, Unprocessable
from gradebook_service.api.http import json_response, paginate, parse_body, parse_query
from gradebook_service.api.operations import schemas
from gradebook_service.api.ratelimits import count_document_request
from gradebook_service.calendar.lucky import lucky_number
from gradebook_service.calendar.services import class_events
from gradebook_service.grades.models import FINAL, PROPOSED, TERM, YEAR
from gradebook_service.grades.services import SubjectGrades, grades_fingerprint, pupil_grades
from gradebook_service.homework.services import class_homework
from gradebook_service.lessons import services as lessons
from gradebook_service.school.years import NoSchoolYear
from gradebook_service.timetable.services import class_plan, monday_of
from gradebook_service.web import dates
from gradebook_service.web.cache import fragment_cache, time_bucket
from gradebook_service.web.family import YearInfo, cached_year

#: The longest date range one request may ask for.
MAX_RANGE_DAYS = 366
MAX_TIMETABLE_DAYS = 31
#: Enough for a whole school year of a class's homework or events in one read.
LIST_CEILING = 5000


def _year(visible: Visible) -> YearInfo:
    try:
        return cached_year(visible.school.id, dates.today())
    except NoSchoolYear:
        raise NotFound(_l("The pupil's school has no school year today.")) from None


def _grades(visible: Visible, year: YearInfo) -> list[SubjectGrades]:
    """The pupil's grades with averages, kept in the fragment cache under the data's fingerprint
    (web/cache.py), as the family grades page keeps its rendering: a changed grade is a new key."""
    key = ("api-grades", visible.school.id, visible.pupil.id, year.id, dates.today(),
           time_bucket(), grades_fingerprint(visible.school, visible.pupil, year))
    rows = fragment_cache().get(key)
    if rows is None:
        rows = pupil_grades(visible.school, visible.pupil, year)
        fragment_cache().set(key, rows)
    return rows


def _listed(page_model, rows: list, key, query, item):
    """One page of ``rows`` in ``key`` order as ``page_model``, each row made by ``item``."""
    page, cursor = paginate(rows, key, query.cursor, query.limit)
    return json_response(page_model(next_cursor=cursor, items=[item(*row) for row in page]))


def _range(query, back: int, ahead: int) -> tuple[date, date]:
    """``from``/``to``, each defaulting to today minus ``back`` or plus ``ahead`` days."""
    today = dates.today()
    start = query.from_date or today - timedelta(days=back)
    end = query.to_date or today + timedelta(days=ahead)
    if end < start:
        raise BadRequest(_l("`to` is before `from`."))
    if (end - start).days > MAX_RANGE_DAYS:
        raise BadRequest(_l("Ask for at most %(n)d days at once.", n=MAX_RANGE_DAYS))
    return start, end


def _document() -> dict:
    """The OpenAPI document, generated from the operations and their models."""
    from gradebook_service.api.openapi import build_document  # pydantic's JSON schema: here

    return build_document(operation.operations, current_app.config["GRADEBOOK_URL"] + "/api/v1",
                          current_app.config["IDP_ISSUER"] + "/.well-known/openid-configuration")


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI document (rate limited per address: it needs no token)."""
    headers = count_document_request()
    return _document(), headers


@bp.get("/docs")
def docs():
    """A browsable page of the OpenAPI document, rendered on the server (no scripts, no CDN)."""
    headers = count_document_request()
    return render_template("api/docs.html", doc=_document()), headers


@operation("GET", "/me", "Whom the token speaks for and which pupils it may read", "Me")
def me(caller: Caller):
    return json_response(schemas.Me(
        sub=caller.sub, client_id=caller.client_id, scopes=sorted(caller.scopes),
        pupils=[schemas.PupilRef(id=v.pupil.ref, name=v.pupil.full_name,
                                 class_name=v.school_class.name, school=v.school.name,
                                 relation=v.account.role, account=v.account.ref)
                for v in visible_pupils(caller)]))


@operation("GET", "/pupils/<pupil_id>/grades", "The pupil's grades this school year",
           "Grades", scope=scopes.GRADES, query="ListQuery")
def grades(caller: Caller, pupil_id: str):
    query = parse_query(schemas.ListQuery)
    visible = pupil_or_404(caller, pupil_id)
    rows = _grades(visible, _year(visible))
    return _listed(
        schemas.Grades, [(row, g) for row in rows for gs in row.grades.values() for g in gs],
        lambda pair: (pair[1].date.isoformat(), pair[1].id), query,
        lambda row, g: schemas.GradeItem(
            id=g.id, subject_id=row.subject_id, subject=row.name, value=g.value,
            counts_to_average=g.counts, category=g.category, weight=g.weight, date=g.date,
            description=g.description, teacher=g.teacher, term=g.term_number,
            created_at=g.created_at))


@operation("GET", "/pupils/<pupil_id>/averages",
           "Weighted averages per subject and term, with proposed and final grades",
           "Averages", scope=scopes.GRADES)
def averages(caller: Caller, pupil_id: str):
    visible = pupil_or_404(caller, pupil_id)
    year = _year(visible)

    def number(value):
        return float(value) if value is not None else None

    return json_response(schemas.Averages(school_year=year.name, subjects=[
        schemas.SubjectAverage(
            subject_id=row.subject_id, subject=row.name, term1=number(row.averages["term1"]),
            term2=number(row.averages["term2"]), year=number(row.averages["year"]),
            final_grades=[schemas.FinalGradeItem(period=period, stage=stage, value=value)
                          for (period, stage), value in sorted(row.finals.items())
                          if period in (TERM, YEAR) and stage in (PROPOSED, FINAL)])
        for row in _grades(visible, year)]))


@operation("GET", "/pupils/<pupil_id>/attendance",
           "Attendance per lesson, newest first (default: the last 30 days)",
           "Attendance", scope=scopes.ATTENDANCE, query="RangeQuery")
def attendance(caller: Caller, pupil_id: str):
    query = parse_query(schemas.RangeQuery)
    visible = pupil_or_404(caller, pupil_id)
    start, end = _range(query, 30, 0)

    def key(row):
        record, _subject, period = row
        return (-record.date.toordinal(), period, record.id)

    return _listed(
        schemas.Attendance,
        lessons.pupil_attendance(visible.school.id, visible.pupil.id, start, end), key, query,
        lambda record, subject, period: schemas.AttendanceItem(
            id=record.id, date=record.date, period=period, subject=subject,
            status=record.status))


@operation("POST", "/pupils/<pupil_id>/excuses",
           "Excuse absences (parents): the homeroom teacher decides", "Excuse",
           scope=scopes.EXCUSE, body="ExcuseRequest", status=201)
def excuse(caller: Caller, pupil_id: str):
    body = parse_body(schemas.ExcuseRequest)
    visible = pupil_or_404(caller, pupil_id)
    if visible.account.role != PARENT:
        raise Forbidden(_l("Only a parent may excuse absences."))
    try:
        record = lessons.submit_excuse(visible.account, visible.pupil, body.absences, body.reason)
    except lessons.ExcuseError as error:
        raise Unprocessable(str(error.message)) from None
    return json_response(schemas.Excuse(
        id=record.id, status=record.status, reason=record.reason,
        absences=sorted(set(body.absences)), created_at=record.created_at), status=201)


@operation("GET", "/pupils/<pupil_id>/timetable",
           "The class's lessons with substitutions, cancellations and room changes "
           "(default: this week)", "Timetable", scope=scopes.TIMETABLE,
           query="TimetableQuery")
def timetable(caller: Caller, pupil_id: str):
    query = parse_query(schemas.TimetableQuery)
    visible = pupil_or_404(caller, pupil_id)
    start = query.from_date or monday_of(dates.today())
    end = query.to_date or start + timedelta(days=6)
    if end < start:
        raise BadRequest(_l("`to` is before `from`."))
    if (end - start).days >= MAX_TIMETABLE_DAYS:
        raise BadRequest(_l("Ask for at most %(n)d days at once.", n=MAX_TIMETABLE_DAYS))
    try:
        slots = class_plan(visible.school.id, visible.school_class.id, start,
                           days=(end - start).days + 1)
    except NoSchoolYear:
        slots = []
    return json_response(schemas.Timetable(from_date=start, to_date=end, lessons=[
        schemas.TimetableLesson(
            date=s.date, period=s.period_number, starts_at=s.starts_at, ends_at=s.ends_at,
            subject=s.subject_name, teacher=s.teacher_name, room=s.room, status=s.status,
            original_subject=s.original_subject_name, original_teacher=s.original_teacher_name,
            note=s.note) for s in slots]))


@operation("GET", "/pupils/<pupil_id>/homework", "Homework due from a date on (default: today)",
           "Homework", scope=scopes.HOMEWORK, query="RangeQuery")
def homework(caller: Caller, pupil_id: str):
    query = parse_query(schemas.RangeQuery)
    visible = pupil_or_404(caller, pupil_id)
    start, end = _range(query, 0, MAX_RANGE_DAYS)

    def key(row):
        return (row[0].due_on.isoformat(), row[0].id)

    rows = [r for r in class_homework(visible.school.id, visible.school_class.id, start,
                                      limit=LIST_CEILING) if r[0].due_on <= end]
    return _listed(schemas.Homework, rows, key, query, lambda hw, subject, teacher, _new:
                   schemas.HomeworkItem(id=hw.id, subject=subject, teacher=teacher.full_name,
                                        assigned_on=hw.assigned_on, due_on=hw.due_on,
                                        description=hw.description, edited_at=hw.edited_at))


@operation("GET", "/pupils/<pupil_id>/events",
           "Tests, quizzes, trips and meetings of the class (default: the next 30 days)",
           "Events", scope=scopes.CALENDAR, query="RangeQuery")
def events(caller: Caller, pupil_id: str):
    query = parse_query(schemas.RangeQuery)
    visible = pupil_or_404(caller, pupil_id)
    start, end = _range(query, 0, 30)

    def key(row):
        return (row[0].date.isoformat(), row[0].period_number or 0, row[0].id)

    return _listed(
        schemas.Events, class_events(visible.school.id, visible.school_class.id, start, end),
        key, query, lambda event, subject, teacher: schemas.EventItem(
            id=event.id, kind=event.kind, date=event.date, period=event.period_number,
            title=event.title, description=event.description, subject=subject,
            teacher=teacher.full_name, edited_at=event.edited_at))


@operation("GET", "/pupils/<pupil_id>/announcements",
           "The school's current announcements for this family, newest first",
           "Announcements", scope=scopes.ANNOUNCEMENTS, query="ListQuery")
def announcements(caller: Caller, pupil_id: str):
    query = parse_query(schemas.ListQuery)
    visible = pupil_or_404(caller, pupil_id)

    def key(row):
        return (-row[0].valid_from.toordinal(), -row[0].id)

    return _listed(
        schemas.Announcements,
        current_announcements(visible.account, visible.school_class.id, dates.today()), key,
        query, lambda a, author, _read: schemas.AnnouncementItem(
            id=a.id, title=a.title, body=a.body, author=author.full_name, audience=a.audience,
            valid_from=a.valid_from, valid_until=a.valid_until, edited_at=a.edited_at))


@operation("GET", "/pupils/<pupil_id>/lucky-number", "The class's lucky number today",
           "LuckyNumber", scope=scopes.CALENDAR)
def lucky(caller: Caller, pupil_id: str):
    visible = pupil_or_404(caller, pupil_id)
    today = dates.today()
    return json_response(schemas.LuckyNumber(
        date=today, number=lucky_number(visible.school.id, visible.school_class.id, today)))


# The account's messages register their operations on the same blueprint, after the pupils'.
from gradebook_service.api import messages as _messages  # noqa: E402, F401
