"""The OpenID Connect provider and the unified account ("Przeglądaj wygodnie")."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from shared.settings import INSTANCE_DIR, configure_app

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations" / "idp"


def create_app(config: dict | None = None) -> Flask:
    """Build the IdP application; ``config`` overrides settings read from the environment."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    configure_app(app, "idp", config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind database, migrations, CSRF, rate limits, mail, hashing, languages and security."""
    from idp.core.models import OutboxMessage
    from idp.extensions import csrf, db, limiter, migrate, outbox
    from shared.database import init_database
    from shared.i18n import init_i18n
    from shared.passwords import init_hasher
    from shared.ratelimit import init_limiter
    from shared.security import init_security
    from shared.web import init_web

    init_database(app, db)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    init_limiter(app, limiter)
    outbox.init_app(app, db, OutboxMessage)
    init_hasher(app)
    init_i18n(app, Path(__file__).parent)
    init_security(app)
    init_web(app)
    # Every model module is imported here so Alembic and the mappers see all tables.
    import idp.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per domain."""
    from idp.accounts.views import bp as accounts_bp
    from idp.core.views import bp as core_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    from idp.parental_consent.views import bp as parental_consent_bp
    from idp.recovery.views import bp as recovery_bp
    from idp.registration.views import bp as registration_bp

    app.register_blueprint(registration_bp)
    app.register_blueprint(parental_consent_bp)
    app.register_blueprint(recovery_bp)
    from idp.settings.views import bp as settings_bp

    app.register_blueprint(settings_bp)

    from idp import oidc

    oidc.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    """Render HTTP errors as pages (protocol endpoints answer JSON themselves)."""
    from flask import render_template
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_template("error.html", error=error), error.code


def register_commands(app: Flask) -> None:
    """Add the operator commands (``flask --app idp …``)."""
    from idp.accounts.cli import accounts_cli

    app.cli.add_command(accounts_cli)

    from idp.oidc.cli import clients_cli, keys_cli, oidc_cli

    app.cli.add_command(clients_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(oidc_cli)
