"""Assets and template macros both services serve: stylesheet, password hint, form macros."""

from __future__ import annotations

import json

from flask import Blueprint, Flask
from markupsafe import Markup

from shared.password_policy import policy_description

shared_assets = Blueprint("shared", __name__, static_folder="static",
                          static_url_path="/static/shared", template_folder="templates")


def init_web(app: Flask) -> None:
    """Register the shared assets and template globals on ``app``."""
    app.register_blueprint(shared_assets)

    @app.template_global()
    def password_policy_json(mode: str | None = None) -> Markup:
        """The password rules as JSON for the live hint (``data-policy`` attribute)."""
        mode = mode or app.config.get("PASSWORD_POLICY", "school")
        return Markup.escape(json.dumps(policy_description(mode)))
