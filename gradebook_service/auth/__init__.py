"""Signing in to the gradebook: school login, first login, second factor, SSO through the IdP."""


from flask import g


def init_auth(app) -> None:
    """Mount the sign-in blueprints, the first-login gate, the IdP client and the header."""
    from gradebook_service.auth.gate import init_gate
    from gradebook_service.auth.oidc import init_oidc
    from gradebook_service.auth.views import bp, header_context, home_bp

    # Cookie name, flags and lifetime come from shared.settings (one per service).
    @app.before_request
    def forget_request_caches():
        # ``g`` outlives a request when an app context is already pushed (CLI, tests):
        # the signed-in account and the CSRF token must come from this request's session.
        g.pop("current_account", None)
        g.pop("csrf_token", None)

    app.register_blueprint(home_bp)
    app.register_blueprint(bp)
    init_gate(app)
    init_oidc(app)
    app.context_processor(header_context)
