"""The language of the API's texts (problem ``title``/``detail``, the domain's explanations).

The register's pages never guess the language from the browser (shared/i18n.py): a Polish
school speaks Polish until a person chooses. An API client has no cookie or account to
choose with, so the API reads ``Accept-Language`` (Polish or English); without one it
speaks Polish like the pages (``?lang=`` works too). ``type`` and ``status`` never change
with the language: clients decide on those, the texts are for people.
"""

from __future__ import annotations

from flask import request
from flask_babel import get_locale

#: The languages of the API's catalogue (gradebook_service/api/translations).
API_LANGUAGES = ("pl", "en")


def api_locale() -> str:
    """``Accept-Language``'s best match among :data:`API_LANGUAGES`, else the service's choice."""
    if request.accept_languages:
        best = request.accept_languages.best_match(API_LANGUAGES)
        if best:
            return best
    chosen = str(get_locale() or "pl")
    return chosen if chosen in API_LANGUAGES else "pl"
