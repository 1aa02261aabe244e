"""The OpenID Connect provider: discovery, keys, authorization, tokens, userinfo, logout, consents."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Configure the authorization server and mount the OIDC blueprint."""
    from idp.oidc.server import init_oidc
    from idp.oidc.views import bp

    init_oidc(app)
    app.register_blueprint(bp)
