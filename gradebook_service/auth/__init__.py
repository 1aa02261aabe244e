"""Signing in to the gradebook: school login, first login, second factor, SSO through the IdP."""


from datetime import timedelta

from flask import g


def init_auth(app) -> None:
    """Mount the sign-in blueprints, the first-login gate, the IdP client and the header."""
    from gradebook_service.auth.gate import init_gate
    from gradebook_service.auth.oidc import init_oidc
    from gradebook_service.auth.views import bp, header_context, home_bp

    # Flask ships these keys with defaults (None, 31 days), so a setdefault elsewhere never
    # applies: set them here unless the deployment chose otherwise.
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # Cookies are not isolated by port: on one host (127.0.0.1:5000 and :5001) the IdP's
    # "session" cookie would overwrite ours and break the OIDC state check.
    if app.config.get("SESSION_COOKIE_NAME") == "session":
        app.config["SESSION_COOKIE_NAME"] = "edz_gradebook_session"
    if app.config.get("PERMANENT_SESSION_LIFETIME") == timedelta(days=31):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=12)
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
