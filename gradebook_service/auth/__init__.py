"""Signing in to the gradebook through the IdP (SSO): the OpenID Connect client and its pages."""


def init_auth(app) -> None:
    """Mount the SSO pages, the IdP client and the header (signed-in person, child switcher)."""
    from gradebook_service.auth.oidc import init_oidc, sso_enabled
    from gradebook_service.auth.views import bp, header_context

    app.register_blueprint(bp)
    init_oidc(app)
    app.context_processor(header_context)
    app.context_processor(lambda: {"sso_enabled": sso_enabled()})
