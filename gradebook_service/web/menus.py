"""The family bar (the menu under the header), rendered once per language and page.

Every family page shows the same bar; only the language, the highlighted entry
and the CSRF token of the sign-out form differ. Rendering it through Jinja with
Flask-Babel lookups and ``url_for`` on every request cost more than some pages'
own work (issue 16), so the HTML is kept per (language, entry, script root) in
the app and the request's CSRF token is put into the sign-out form afterwards.
A language switch picks another entry, so no page shows a stale menu.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from shared.kept_html import CSRF_PLACEHOLDER


def family_bar(active: str | None) -> Markup:
    """The family bar for this request's language with ``active`` highlighted."""
    cache: dict = current_app.extensions["family_bar"]
    key = (str(get_locale()), active, request.script_root)
    html = cache.get(key)
    if html is None:
        # Our own template's output, escaped by Jinja as it was rendered.
        html = Markup(render_template("family/bar.html", active=active,  # noqa: S704
                                      csrf_placeholder=CSRF_PLACEHOLDER))
        cache[key] = html  # a few languages x a dozen entries: bounded
    return html.replace(CSRF_PLACEHOLDER, generate_csrf())  # Markup.replace escapes the token


def init_menus(app: Flask) -> None:
    """Offer :func:`family_bar` to templates, with its per-app cache."""
    app.extensions["family_bar"] = {}
    app.add_template_global(family_bar)
