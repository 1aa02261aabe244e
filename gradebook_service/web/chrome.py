"""The family layout around a cached page body, rendered once per language, account and child.

A family page whose body comes from the fragment cache (web/cache.py) still paid for
Jinja's base layout on every request: the header, the account box, the language
switch and the family bar, with their Flask-Babel lookups and ``url_for`` calls — more
CPU than the rest of the page (issue 16). That HTML depends only on what its key
holds: the language, the page title, the query string (the language switch links keep
it), the script root, and the signed-in account with its displayed name and its child.
It is rendered once per key into the fragment cache with stand-ins for the body and for
the session's CSRF token, and each request puts its own in. The key always holds the
account and the child, so no family is ever shown another's header.

A request that carries flashed messages or can switch between linked accounts (the
switcher lists the other accounts' names, read per request) is rendered in full.
"""

from __future__ import annotations

from flask import render_template, request, session
from flask_babel import get_locale
from markupsafe import Markup

from gradebook_service.accounts.session import LINKED_KEY
from gradebook_service.web.cache import fragment_cache
from gradebook_service.web.family import FamilyContext
from shared.kept_html import with_csrf_token, without_csrf_token

#: Stands in for the page body in the cached layout (no translation or URL contains it).
BODY_PLACEHOLDER = "__edz_page_body__"


def family_page(ctx: FamilyContext, body: Markup, title: str) -> str:
    """The page ``family/cached_page.html`` renders for ``body``, from the cached layout."""
    if "_flashes" in session or session.get(LINKED_KEY):
        return render_template("family/cached_page.html", ctx=ctx, body=body, title=title)
    key = ("family-chrome", ctx.account.id, ctx.pupil.id, ctx.account.display_name,
           str(get_locale()), str(title), request.script_root, request.query_string)
    cache = fragment_cache()
    chrome = cache.get(key)
    if chrome is None:
        chrome = without_csrf_token(render_template(
            "family/cached_page.html", ctx=ctx, title=title,
            body=Markup(BODY_PLACEHOLDER)))  # noqa: S704 - a constant
        cache.set(key, chrome)
    head, _, tail = chrome.partition(BODY_PLACEHOLDER)
    # Plain str joins: Markup's own ``+`` would escape the cached (already escaped) layout.
    return "".join((with_csrf_token(head), str(body), with_csrf_token(tail)))
