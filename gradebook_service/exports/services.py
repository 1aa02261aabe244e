"""iCalendar feeds (RFC 5545, written directly) and the printable grades summary (fpdf2).

Feed URLs carry a private per-account token; resetting it issues a new one and
the old URL stops working at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.calendar.services import KIND_LABELS, class_events
from gradebook_service.exports.models import FeedToken, new_feed_token
from gradebook_service.extensions import db
from gradebook_service.grades.services import SubjectGrades
from gradebook_service.pdf import add_fonts
from gradebook_service.school.keys import get_owned
from gradebook_service.timetable.services import Slot

SCHOOL_ZONE = ZoneInfo("Europe/Warsaw")


def feed_token(account: SchoolAccount, create: bool = True) -> FeedToken | None:
    """The account's feed token (created on first use when ``create``)."""
    token = db.session.execute(sa.select(FeedToken).where(
        FeedToken.school_id == account.school_id, FeedToken.account_id == account.id)
    ).scalar_one_or_none()
    if token is None and create:
        token = FeedToken(school_id=account.school_id, account_id=account.id)
        db.session.add(token)
        db.session.flush()
    return token


def reset_feed_token(account: SchoolAccount) -> FeedToken:
    """Issue a new token: the old feed URLs stop working."""
    token = feed_token(account)
    token.token = new_feed_token()
    db.session.flush()
    return token


def account_for_token(token: str) -> SchoolAccount | None:
    """The active account a feed token belongs to."""
    if not token or len(token) > 64:
        return None
    row = db.session.execute(sa.select(FeedToken).where(FeedToken.token == token)
                             ).scalar_one_or_none()
    if row is None:
        return None
    account = get_owned(SchoolAccount, row.school_id, row.account_id)
    if account is None or not account.is_active or account.school_id != row.school_id:
        return None
    return account


# --- iCalendar ----------------------------------------------------------------------------

def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 section 3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(day: date, at) -> str:
    local = datetime.combine(day, at, tzinfo=SCHOOL_ZONE)
    return local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_document(name: str, events: list[dict]) -> str:
    """A VCALENDAR with ``events`` (dicts: uid, summary, start, end, all_day, description, …)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//E-dziennik//Register//PL",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(name)}"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event['uid']}", f"DTSTAMP:{stamp}"]
        if event.get("all_day"):
            lines += [f"DTSTART;VALUE=DATE:{event['day'].strftime('%Y%m%d')}",
                      f"DTEND;VALUE=DATE:{(event['day'] + timedelta(days=1)).strftime('%Y%m%d')}"]
        else:
            lines += [f"DTSTART:{_utc(event['day'], event['start'])}",
                      f"DTEND:{_utc(event['day'], event['end'])}"]
        lines.append(f"SUMMARY:{_escape(event['summary'])}")
        if event.get("location"):
            lines.append(f"LOCATION:{_escape(event['location'])}")
        if event.get("description"):
            lines.append(f"DESCRIPTION:{_escape(event['description'])}")
        if event.get("cancelled"):
            lines.append("STATUS:CANCELLED")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def timetable_events(slots: list[Slot], host: str) -> list[dict]:
    events = []
    for s in slots:
        if s.starts_at is None:
            continue
        summary = f"{s.subject_name} ({s.class_name})"
        if s.cancelled:
            summary = _("Cancelled: %(what)s", what=summary)
        elif s.status == "substitution":
            summary = _("Substitution: %(what)s", what=summary)
        events.append({"uid": f"lesson-{s.class_id}-{s.date:%Y%m%d}-{s.period_number}-"
                              f"{s.subject_id}@{host}",
                       "summary": summary, "day": s.date, "start": s.starts_at, "end": s.ends_at,
                       "location": (_("room %(room)s", room=s.room) if s.room else None),
                       "description": s.teacher_name + (f" — {s.note}" if s.note else ""),
                       "cancelled": s.cancelled})
    return events


def terminarz_events(school_id: int, class_id: int, today: date, host: str) -> list[dict]:
    rows = class_events(school_id, class_id, today - timedelta(days=30),
                        today + timedelta(days=180))
    return [{"uid": f"event-{e.id}@{host}", "all_day": True, "day": e.date,
             "summary": f"{KIND_LABELS[e.kind]}{' · ' + subject if subject else ''}: {e.title}",
             "description": (e.description or "") + f" ({teacher.full_name})"}
            for e, subject, teacher in rows]


# --- PDF ----------------------------------------------------------------------------------

def grades_pdf(school_name: str, pupil_name: str, class_name: str, year_name: str,
               rows: list[SubjectGrades]) -> bytes:
    """A printable A4 summary of grades, averages and proposed/final grades per subject."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(_("Grades summary"))
    add_fonts(pdf)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, _("Grades summary"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, f"{school_name} · {year_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"{pupil_name} · {_('class')} {class_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    def final(row, period):
        value = row.finals.get((period, "final"))
        if value:
            return str(value)
        proposed = row.finals.get((period, "proposed"))
        return f"({proposed})" if proposed else "—"

    def avg(value):
        return str(value) if value is not None else "—"

    headers = (_("Subject"), _("Term 1"), _("Avg."), _("Grade"), _("Term 2"), _("Avg."),
               _("Year"))
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(col_widths=(40, 46, 14, 14, 46, 14, 14), line_height=5,
                   text_align="LEFT") as table:
        header = table.row()
        for text in headers:
            header.cell(text)
        for row in rows:
            line = table.row()
            for text in (row.name, " ".join(g.value for g in row.grades.get(1, [])),
                         avg(row.averages.get("term1")), final(row, "term"),
                         " ".join(g.value for g in row.grades.get(2, [])),
                         avg(row.averages.get("term2")), final(row, "year")):
                line.cell(text)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 5, _("Averages are weighted; marks such as np, nb, bz, +, - are not "
                           "averaged. A grade in brackets is proposed, not final."))
    return bytes(pdf.output())
