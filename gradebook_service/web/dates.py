"""The school's date for a request, and dates read from the query string."""

from __future__ import annotations

from datetime import date

from flask import request


def today() -> date:
    """The school's date today (the one seam for tests and the demo: call it as ``dates.today()``)."""
    return date.today()


def date_arg(name: str, default: date) -> date:
    """A YYYY-MM-DD query argument, or ``default`` when missing or malformed."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default
