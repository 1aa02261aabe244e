"""Assets and template macros both services serve: stylesheet, icons, password hint, form macros."""

from __future__ import annotations

import json

from flask import Blueprint, Flask, redirect, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from shared.password_policy import policy_description

shared_assets = Blueprint("shared", __name__, static_folder="static",
                          static_url_path="/static/shared", template_folder="templates")


def init_web(app: Flask) -> None:
    """Register the shared assets and template globals on ``app``."""
    app.register_blueprint(shared_assets)
    app.add_template_global(error_texts)
    # Browsers ask for /favicon.ico where a page names no icon (PDFs, JSON): no 404 for them.
    app.add_url_rule("/favicon.ico", "favicon",
                     lambda: redirect(url_for("shared.static", filename="favicon.svg"), 301))

    @app.template_global()
    def password_policy_json(mode: str | None = None) -> Markup:
        """The password rules as JSON for the live hint (``data-policy`` attribute)."""
        mode = mode or app.config["PASSWORD_POLICY"]
        return Markup.escape(json.dumps(policy_description(mode)))


#: What people are told for each HTTP error (Werkzeug's descriptions are English and technical).
ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("No access"), _l("You do not have access to this page.")),
    404: (_l("Not found"), _l("This page does not exist or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    413: (_l("Too large"), _l("The file is too large.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a few minutes and try again.")),
}
GENERIC_ERROR = (_l("Something went wrong"),
                 _l("Something went wrong on our side. Try again in a moment."))


def error_texts(code: int | None) -> tuple:
    """The translated title and explanation shown on the error page for ``code``."""
    return ERROR_TEXTS.get(code or 500, GENERIC_ERROR)
