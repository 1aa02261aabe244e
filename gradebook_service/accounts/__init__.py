"""School accounts: logins, issued passwords, sign-in, terms, second factor, recovery."""

from flask import Flask, g


def init_accounts(app: Flask) -> None:
    """Mount the school-login pages and the first-login gate."""
    from gradebook_service.accounts.gate import init_gate
    from gradebook_service.accounts.views import bp

    # Cookie name, flags and lifetime come from shared.settings (one per service).
    @app.before_request
    def forget_request_caches():
        # ``g`` outlives a request when an app context is already pushed (CLI, tests):
        # the signed-in account and the CSRF token must come from this request's session.
        g.pop("current_account", None)
        g.pop("csrf_token", None)
        g.pop("current_terms_version", None)

    app.register_blueprint(bp)
    init_gate(app)
