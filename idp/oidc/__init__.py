"""The OpenID Connect provider: discovery, keys, authorization, tokens, userinfo, logout, consents."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Configure the authorization server and mount the OIDC blueprint."""
    from idp.extensions import limiter
    from idp.oidc.fastpath import ProtocolFastPath
    from idp.oidc.server import init_oidc
    from idp.oidc.views import bp

    init_oidc(app)
    # Protocol endpoints: client secrets and codes carry 256 bits, nothing to brute-force;
    # per-request limit bookkeeping would only cost the token endpoint time.
    limiter.exempt(bp)
    app.register_blueprint(bp)
    app.wsgi_app = ProtocolFastPath(app.wsgi_app, app)
