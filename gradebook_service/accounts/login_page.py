"""The sign-in page as every visitor who is not signed in sees it, rendered once (issue 16).

Rendering ``/login`` (the base layout, the form's widgets, the passkey card) was half of
a sign-in's work besides the password hash. For a visitor who is not signed in it
depends only on the language, the host, the script root and the query string (``next``
and the language links keep it), apart from the session's CSRF token: the page is kept
per such key with a stand-in for the token, and each request puts its own in. A
signed-in visitor (whose header shows them) and a request with flashed messages get the
page rendered afresh.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request, session
from flask_babel import get_locale

from gradebook_service.accounts.access import SESSION_KEY
from shared.kept_html import with_csrf_token, without_csrf_token

#: How many variants a process keeps: the key holds the query string, which anyone can vary.
MAX_VARIANTS = 64


def anonymous_page(render: Callable[[], str]) -> str:
    """``render()``'s page, from the kept copy when the visitor is not signed in."""
    if SESSION_KEY in session or "_flashes" in session:
        return render()
    pages: dict = current_app.extensions["login_pages"]
    key = (str(get_locale()), request.host, request.script_root, request.query_string)
    page = pages.get(key)
    if page is None:
        page = without_csrf_token(render())
        if len(pages) >= MAX_VARIANTS:
            pages.clear()
        pages[key] = page
    return with_csrf_token(page)


def init_login_page(app: Flask) -> None:
    """Give the app its kept sign-in pages (``app.extensions``, created in the factory)."""
    app.extensions["login_pages"] = {}
