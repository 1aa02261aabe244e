"""Languages for both services: Polish by default, English and Ukrainian by choice; formats.

A Polish school speaks Polish to everyone until a person chooses otherwise, so the
browser's Accept-Language is not consulted. The choice is taken from, in order:
``?lang=`` (which remembers it in a cookie and on the signed-in account), the
signed-in account's saved choice (each service registers a callable returning its
account), the cookie, and Polish. Catalogues live in each
domain package's ``translations/`` (``idp/oidc/translations`` …) and in
``shared/translations/``; ``scripts/i18n.py`` extracts and compiles them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import flask_babel
from babel import dates as babel_dates
from flask import Flask, current_app, g, request
from flask_babel import Babel

LANGUAGES = ("pl", "en", "uk")
DEFAULT_LANGUAGE = "pl"
COOKIE = "lang"

babel = Babel()


def offered_languages() -> tuple[str, ...]:
    """The languages this service has complete catalogues for."""
    return current_app.extensions["languages"]


def select_locale() -> str:
    """Return the language for the current request (never guessed from Accept-Language)."""
    account_of_request = current_app.extensions.get("locale_account")
    account = account_of_request() if account_of_request is not None else None
    offered = offered_languages()
    chosen = request.args.get("lang")
    if chosen in offered:
        g.lang_to_remember = chosen
        if account is not None and account.locale != chosen:
            account.locale = chosen  # committed with the request, like any change
        return chosen
    if account is not None and account.locale in offered:
        return account.locale
    cookie = request.cookies.get(COOKIE)
    if cookie in offered:
        return cookie
    return DEFAULT_LANGUAGE


def catalogue_dirs(package_dir: Path) -> list[Path]:
    """Every ``translations`` folder of a service: its own, its domain packages', shared's."""
    dirs = [package_dir / "translations", *sorted(package_dir.glob("*/translations")),
            Path(__file__).parent / "translations"]
    return [d for d in dirs if d.is_dir()]


def init_i18n(app: Flask, package_dir: Path,
              locale_account: Callable[[], object | None] | None = None,
              languages: tuple[str, ...] | None = None) -> None:
    """Set up Flask-Babel with the catalogues of the service in ``package_dir`` and shared's.

    ``locale_account`` returns the signed-in account (anything with a ``locale`` column),
    where a person's choice of language is kept; ``languages`` are those the service has
    complete catalogues for.
    """
    app.extensions["languages"] = languages or LANGUAGES
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(d) for d in catalogue_dirs(package_dir))
    if locale_account is not None:
        app.extensions["locale_account"] = locale_account
    # One Babel object per app: Flask-Babel caches loaded catalogues on the Babel object,
    # so a shared one would serve the first app's catalogues to every app in the process.
    Babel().init_app(app, locale_selector=select_locale)

    app.jinja_env.filters.update(FILTERS)

    @app.before_request
    def choose_language_afresh():
        """Forget a language cached on ``g`` by an earlier request in the same app context."""
        g.pop("_flask_babel", None)

    @app.after_request
    def remember_language(response):
        lang = g.get("lang_to_remember")
        if lang:
            response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                                httponly=True, secure=app.config["SESSION_COOKIE_SECURE"])
        return response

    @app.context_processor
    def language_context():
        from flask_babel import get_locale

        return {"current_language": str(get_locale() or DEFAULT_LANGUAGE),
                "languages": offered_languages()}


# ------------------------------------------------------------------ formats

def _local(value):
    """A stored (UTC) datetime in the deployment's time zone; a date stays a date."""
    if isinstance(value, datetime):
        return flask_babel.to_user_timezone(value)
    return value


def format_day(value: date | datetime | None, format: str = "short") -> str:
    """A date in the reader's language (``short``: 1.12.2026; ``day``: 1.12; ``month``: grudzień 2026)."""
    if value is None:
        return ""
    value = _local(value)
    locale = flask_babel.get_locale()
    if format == "day":
        return babel_dates.format_skeleton("MMdd", value, locale=locale)
    if format == "month":
        # Stand-alone month name ('LLLL'): the nominative "grudzień", as a heading needs.
        return babel_dates.format_date(value, "LLLL y", locale=locale)
    if format == "weekday":
        return babel_dates.format_date(value, "EEEE", locale=locale)
    return babel_dates.format_date(value, format, locale=locale)


def format_moment(value: datetime | None, format: str = "short") -> str:
    """A stored UTC datetime as the reader's local date and time (1.12.2026, 11:24)."""
    if value is None:
        return ""
    return flask_babel.format_datetime(value, format)


def format_clock(value: time | datetime | None) -> str:
    """A time of day (a lesson's start is wall-clock time, not converted) as 8:00 / 8:00 AM."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = flask_babel.to_user_timezone(value).time()
    return babel_dates.format_time(value, "short", locale=flask_babel.get_locale())


def format_number(value: float | int | None, places: int = 2) -> str:
    """A decimal with the reader's separator (4,05) and ``places`` digits; — for none."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return flask_babel.format_decimal(value, pattern)


def format_percentage(value: float | None, places: int = 1) -> str:
    """A percentage given as 0–100 (98.6) in the reader's format (98,6%); — for none."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * places if places else "") + "%"
    return flask_babel.format_percent(value / 100, pattern)


FILTERS = {"day": format_day, "moment": format_moment, "clock": format_clock,
           "number": format_number, "percentage": format_percentage}
