"""The OpenID Connect provider and the unified account ("Przeglądaj wygodnie")."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from idp.config import SETTINGS
from shared.memory import return_large_blocks
from shared.settings import INSTANCE_DIR, configure_app

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations" / "idp"


def create_app(config: dict | None = None) -> Flask:
    """Build the IdP application; ``config`` overrides settings read from the environment."""
    # Each sign-in's argon2id memory goes back to the system after the hash (worker RSS).
    return_large_blocks()
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    configure_app(app, SETTINGS, config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def _locale_account():
    """The signed-in unified account, which keeps its person's choice of language."""
    from idp.accounts.session import current_user

    return current_user()


def register_extensions(app: Flask) -> None:
    """Bind the common extensions, and build the app's OpenID provider (authorization server)."""
    from idp.core.models import OutboxMessage, ThrottleCounter
    from idp.extensions import csrf, db, limiter, migrate, outbox
    from idp.oidc.server import init_oidc
    from shared.app import init_common_extensions

    init_common_extensions(app, db=db, migrate=migrate, csrf=csrf, limiter=limiter, outbox=outbox,
                           outbox_model=OutboxMessage, counter_model=ThrottleCounter,
                           migrations_dir=MIGRATIONS_DIR,
                           package_dir=Path(__file__).parent, locale_account=_locale_account)
    from idp.accounts.models import MailRequest
    from idp.extensions import mail_requests

    mail_requests.init_app(app, db, MailRequest, outbox, base_url_setting="IDP_ISSUER")
    # Every model module is imported here so Alembic and the mappers see all tables.
    import idp.models  # noqa: F401

    init_oidc(app)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per domain, and the OpenID provider's endpoints."""
    from idp.accounts.views import bp as accounts_bp
    from idp.core.views import bp as core_bp
    from idp.extensions import limiter
    from idp.oidc.fastpath import ProtocolFastPath
    from idp.oidc.views import bp as oidc_bp
    from idp.parental_consent.views import bp as parental_consent_bp
    from idp.passkeys.views import bp as passkeys_bp
    from idp.recovery.views import bp as recovery_bp
    from idp.registration.views import bp as registration_bp
    from idp.settings.views import bp as settings_bp

    # Protocol endpoints: client secrets and codes carry 256 bits, nothing to brute-force;
    # per-request limit bookkeeping would only cost the token endpoint time.
    limiter.exempt(oidc_bp)
    for blueprint in (core_bp, accounts_bp, registration_bp, parental_consent_bp, recovery_bp,
                      settings_bp, passkeys_bp, oidc_bp):
        app.register_blueprint(blueprint)
    # Discovery, the JWKS and the token endpoint are answered before Flask's routing.
    app.wsgi_app = ProtocolFastPath(app.wsgi_app, app)


def register_errorhandlers(app: Flask) -> None:
    """Render HTTP errors as pages (protocol endpoints answer JSON themselves)."""
    from flask import render_template
    from werkzeug.exceptions import HTTPException

    from idp.extensions import db
    from shared.unavailable import init_unavailable

    init_unavailable(app, db)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_template("error.html", error=error), error.code


def register_commands(app: Flask) -> None:
    """Add the operator commands (``flask --app idp …``)."""
    from idp.accounts.cli import accounts_cli
    from idp.oidc.cli import clients_cli, keys_cli, oidc_cli

    for group in (accounts_cli, clients_cli, keys_cli, oidc_cli):
        app.cli.add_command(group)
