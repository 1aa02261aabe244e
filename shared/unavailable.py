"""When the database is unreachable: a clean 503 with a Polish page, never a traceback.

A restarted or overloaded database makes queries fail with ``OperationalError``
(psycopg: connection refused or closed; SQLite: locked). The request cannot be
served, but nothing is wrong with it: the answer is 503 with ``Retry-After``, the
page says to try again in a moment, and the next request gets a fresh connection
(``pool_pre_ping`` in :func:`shared.database.make_db` drops the dead ones), so the
service recovers by itself when the database is back.

The page is rendered without Flask's context processors and the locale selector:
both read the signed-in account from the database that just failed.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from shared.database import discard_transaction
from shared.i18n import COOKIE, DEFAULT_LANGUAGE, offered_languages
from shared.problem import problem_response

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = 5

TITLE = _l("The register is briefly unavailable")
EXPLANATION = _l("The register cannot reach its database right now. Try again in a moment.")

#: Errors that mean "the database cannot be used now", not "this request is wrong".
UNAVAILABLE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


def init_unavailable(app: Flask, db) -> None:
    """Answer database outages with 503 on every page of ``app``."""

    def unavailable(error: Exception):
        log.warning("database unavailable: %s", type(error).__name__)
        discard_transaction(db)
        return unavailable_response()

    for error in UNAVAILABLE_ERRORS:
        app.register_error_handler(error, unavailable)


def unavailable_response():
    """The 503 answer: problem+json on API and protocol paths, else the page in the reader's language."""
    if request.path == "/healthz":
        response = current_app.json.response({"status": "unavailable", "database": "unreachable"})
        response.status_code = 503
    elif request.path.startswith(("/api/", "/internal/", "/oauth/")):
        response = problem_response(503, "Service Unavailable", "The database is unreachable.")
    else:
        cookie = request.cookies.get(COOKIE)
        language = cookie if cookie in offered_languages() else DEFAULT_LANGUAGE
        with force_locale(language):
            html = current_app.jinja_env.get_template("shared/unavailable.html").render(
                title=str(TITLE), explanation=str(EXPLANATION), language=language)
        response = current_app.response_class(html, 503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response
