"""HTML kept across requests with a stand-in for the one per-session value in it: the CSRF token.

Pages and fragments that depend only on the language and the URL (the family bar, the
family layout, the anonymous sign-in page) are rendered once and kept (issue 16); the
session's CSRF token is the only part that differs between visitors, so it is taken out
when the HTML is kept and each request puts its own in.
"""

from __future__ import annotations

from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

#: Stands in for the CSRF token in kept HTML (no translation or URL contains it).
CSRF_PLACEHOLDER = "__edz_csrf_token__"  # noqa: S105 - a placeholder, not a secret


def without_csrf_token(html: str) -> str:
    """``html`` rendered in this request, with its CSRF token replaced by the placeholder (to keep)."""
    return html.replace(generate_csrf(), CSRF_PLACEHOLDER)


def with_csrf_token(kept: str) -> str:
    """Kept HTML with this request's CSRF token (escaped) where the placeholder stands."""
    return kept.replace(CSRF_PLACEHOLDER, str(Markup.escape(generate_csrf())))
