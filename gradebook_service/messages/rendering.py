"""Message bodies as HTML: escaped first, then links made clickable — never raw HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from markupsafe import Markup, escape

from gradebook_service.exports.services import SCHOOL_ZONE

#: http(s) links and www. addresses, stopped by whitespace and by characters that were escaped.
_LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'&]+(?:&amp;[^\s<>\"'&]+)*", re.IGNORECASE)
_TRAILING = ".,;:!?)]"


def _anchor(match: re.Match) -> str:
    text = match.group(0)
    trail = ""
    while text and text[-1] in _TRAILING:
        trail = text[-1] + trail
        text = text[:-1]
    href = text if text.lower().startswith("http") else "https://" + text
    return f'<a href="{href}" rel="noopener noreferrer nofollow">{text}</a>{trail}'


def render_body(text: str) -> Markup:
    """Plain text → safe HTML: escape everything, then link URLs and keep line breaks."""
    escaped = str(escape(text))
    linked = _LINK.sub(_anchor, escaped)
    # Safe: every character of the user's text was escaped above; only our tags are added.
    return Markup(linked.replace("\r\n", "\n").replace("\n", "<br>\n"))  # noqa: S704


def local_time(moment: datetime | None) -> str:
    """A stored UTC time as the school's wall-clock time (dd.mm.yyyy hh:mm)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SCHOOL_ZONE).strftime("%d.%m.%Y %H:%M")
