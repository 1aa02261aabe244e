"""What each kind of news says, in the reader's language (used by mails and pushes alike)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from gradebook_service.notifications.models import (
    ABSENCE,
    ANNOUNCEMENT,
    GRADE,
    MESSAGE,
    RESCHEDULED,
    TEST,
)


def _day(value: str | None) -> str:
    try:
        return date.fromisoformat(value or "").strftime("%d.%m.%Y")
    except ValueError:
        return ""


def headline(kind: str, params: dict) -> str:
    """One line about one piece of news: what happened, never the grade or the message's text.

    A mail or a lock-screen push is read by whoever holds the phone, so it names the
    kind of news and the subject, and the register shows the rest after sign-in.
    """
    p = {k: str(v) for k, v in params.items()}
    if kind == MESSAGE:
        return _("New message from %(sender)s: %(subject)s", sender=p.get("sender", ""),
                 subject=p.get("subject", ""))
    if kind == GRADE:
        return _("New grade for %(pupil)s in %(subject)s", pupil=p.get("pupil", ""),
                 subject=p.get("subject", ""))
    if kind == ABSENCE:
        return _("%(pupil)s was marked absent on %(date)s", pupil=p.get("pupil", ""),
                 date=_day(p.get("date")))
    if kind == TEST:
        return _("%(title)s in %(subject)s on %(date)s", title=p.get("title", ""),
                 subject=p.get("subject", ""), date=_day(p.get("date")))
    if kind == ANNOUNCEMENT:
        return _("New announcement: %(title)s", title=p.get("title", ""))
    if kind == RESCHEDULED:
        return _rescheduled(p)
    return _("News in the register")


def _rescheduled(p: dict[str, str]) -> str:
    """Homework or an event moved (``date`` is the new day) or withdrawn (no ``date``)."""
    old, new = _day(p.get("old_date")), _day(p.get("date")) if p.get("date") else ""
    title, subject = p.get("title", ""), p.get("subject", "")
    if p.get("what") == "homework":
        if new:
            return _("Homework in %(subject)s is now due on %(date)s (was %(old_date)s)",
                     subject=subject, date=new, old_date=old)
        return _("Homework in %(subject)s due on %(old_date)s was withdrawn", subject=subject,
                 old_date=old)
    if new and subject:
        return _("%(title)s in %(subject)s moved from %(old_date)s to %(date)s", title=title,
                 subject=subject, old_date=old, date=new)
    if new:
        return _("%(title)s moved from %(old_date)s to %(date)s", title=title, old_date=old,
                 date=new)
    if subject:
        return _("%(title)s in %(subject)s on %(old_date)s was cancelled", title=title,
                 subject=subject, old_date=old)
    return _("%(title)s on %(old_date)s was cancelled", title=title, old_date=old)


def kind_name(kind: str) -> str:
    """The kind's name on the preferences page and in the "stop these" page."""
    return {MESSAGE: _("New messages"), GRADE: _("New grades"), ABSENCE: _("Absences"),
            TEST: _("Upcoming tests"), ANNOUNCEMENT: _("New announcements"),
            RESCHEDULED: _("Moved or cancelled tests, events and homework")}.get(kind, kind)


def mail_phrases(kind: str = "", count: int = 0) -> dict[str, str]:
    """The sentences of the mail templates (here, so the catalogue extracts them)."""
    return {
        "hello": _("Hello,"),
        "open": _("Open the register to see it:"),
        "why": _("You get this because of your notification settings in E-dziennik."),
        "stop": _("Stop these notifications (%(kind)s) with one click:", kind=kind),
        "settings": _("Change all notification settings:"),
        "digest_subject": _("what is new today (%(count)s)", count=count),
        "digest_intro": _("What is new in the register since the last summary:"),
        "digest_why": _("You get this daily summary because of your notification settings "
                        "in E-dziennik."),
        "digest_stop": _("Stop the daily summary with one click:"),
        "push_stop": _("Stop these"),
    }
