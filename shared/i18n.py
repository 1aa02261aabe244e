"""Language selection for both services: Polish by default, English available.

The choice is taken from, in order: ``?lang=`` (which also remembers it in a
cookie), the signed-in user's saved preference (each service may register a
callable), the cookie, and the browser's Accept-Language. Catalogues live in each
domain package's ``translations/`` (``idp/oidc/translations`` …) and in
``shared/translations/``; ``scripts/i18n.py`` extracts and compiles them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app, g, request
from flask_babel import Babel

LANGUAGES = ("pl", "en")
DEFAULT_LANGUAGE = "pl"
COOKIE = "lang"

babel = Babel()


def select_locale() -> str:
    """Return the language for the current request."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        g.lang_to_remember = chosen
        return chosen
    user_pref = current_app.extensions.get("user_locale")
    if user_pref is not None:
        preferred = user_pref()
        if preferred in LANGUAGES:
            return preferred
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def catalogue_dirs(package_dir: Path) -> list[Path]:
    """Every ``translations`` folder of a service: its own, its domain packages', shared's."""
    dirs = [package_dir / "translations", *sorted(package_dir.glob("*/translations")),
            Path(__file__).parent / "translations"]
    return [d for d in dirs if d.is_dir()]


def init_i18n(app: Flask, package_dir: Path,
              user_locale: Callable[[], str | None] | None = None) -> None:
    """Set up Flask-Babel with the catalogues of the service in ``package_dir`` and shared's."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(d) for d in catalogue_dirs(package_dir))
    if user_locale is not None:
        app.extensions["user_locale"] = user_locale
    # One Babel object per app: Flask-Babel caches loaded catalogues on the Babel object,
    # so a shared one would serve the first app's catalogues to every app in the process.
    Babel().init_app(app, locale_selector=select_locale)

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

        return {"current_language": str(get_locale() or DEFAULT_LANGUAGE), "languages": LANGUAGES}
