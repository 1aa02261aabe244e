"""The school's date for a request, and dates read from the query string."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, request


def today() -> date:
    """The school's date today in its time zone (the one seam for tests and the demo: call it as
    ``dates.today()``); the server's own zone may be UTC, which is yesterday until 1:00 in Warsaw."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def date_arg(name: str, default: date) -> date:
    """A YYYY-MM-DD query argument, or ``default`` when missing or malformed."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default
