"""The school register: school-issued accounts, staff data entry, family views and the API."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from gradebook_service.config import SETTINGS
from shared.memory import return_large_blocks
from shared.settings import INSTANCE_DIR, configure_app

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations" / "gradebook"


def create_app(config: dict | None = None) -> Flask:
    """Build the gradebook application; ``config`` overrides settings read from the environment."""
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
    """The signed-in school account, which keeps its person's choice of language."""
    from gradebook_service.accounts.access import current_account

    return current_account()


def register_extensions(app: Flask) -> None:
    """Bind the common extensions to the gradebook's database, outbox and catalogues."""
    from gradebook_service.core.models import OutboxMessage, ThrottleCounter
    from gradebook_service.extensions import csrf, db, limiter, migrate, outbox
    from shared.app import init_common_extensions

    init_common_extensions(app, db=db, migrate=migrate, csrf=csrf, limiter=limiter, outbox=outbox,
                           outbox_model=OutboxMessage, counter_model=ThrottleCounter,
                           migrations_dir=MIGRATIONS_DIR,
                           package_dir=Path(__file__).parent, locale_account=_locale_account)
    from gradebook_service.accounts.models import MailRequest
    from gradebook_service.extensions import mail_requests

    mail_requests.init_app(app, db, MailRequest, outbox, base_url_setting="GRADEBOOK_URL")
    # Every model module is imported here so Alembic and the mappers see all tables.
    import gradebook_service.models  # noqa: F401

    register_caches(app)


def register_caches(app: Flask) -> None:
    """Give the app its own process caches, so every app (tests build many) starts empty."""
    from gradebook_service.accounts.login_page import init_login_page
    from gradebook_service.internal_api.tokens import init_token_verifier
    from gradebook_service.web.cache import FragmentCache
    from gradebook_service.web.menus import init_menus
    from gradebook_service.web.session_cookie import init_session_cookies

    app.extensions["fragment_cache"] = FragmentCache()
    app.extensions["school_years"] = {}
    app.extensions["rollover_progress"] = {}  # job id → (classes done, all): roster/rollover_jobs.py
    init_token_verifier(app)
    init_menus(app)
    init_session_cookies(app)
    init_login_page(app)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per domain."""
    from gradebook_service.accounts import init_accounts
    from gradebook_service.admin.views import bp as admin_bp
    from gradebook_service.api.views import bp as api_bp
    from gradebook_service.auth import init_auth
    from gradebook_service.core.views import bp as core_bp
    from gradebook_service.internal_api.views import bp as internal_api_bp
    from gradebook_service.office.views import bp as office_bp
    from gradebook_service.passkeys.views import bp as passkeys_bp
    from gradebook_service.setup.school_settings import bp as school_settings_bp
    from gradebook_service.setup.views import bp as setup_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(office_bp)
    init_accounts(app)
    init_auth(app)
    app.register_blueprint(passkeys_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(setup_bp)
    app.register_blueprint(school_settings_bp)
    app.register_blueprint(internal_api_bp)
    app.register_blueprint(api_bp)
    register_register_blueprints(app)


def register_register_blueprints(app: Flask) -> None:
    """Mount the register's blueprints (issue 6): family and staff pages, exports."""
    from gradebook_service.announcements.views import bp as announcements_bp
    from gradebook_service.archive.views import bp as archive_bp
    from gradebook_service.calendar.views import bp as calendar_bp
    from gradebook_service.exports.views import bp as exports_bp
    from gradebook_service.family.views import bp as family_bp
    from gradebook_service.grades.views import bp as grades_bp
    from gradebook_service.history.views import bp as history_bp
    from gradebook_service.homeroom.views import bp as homeroom_bp
    from gradebook_service.homework.views import bp as homework_bp
    from gradebook_service.lesson_grades.views import bp as lesson_grades_bp
    from gradebook_service.lessons.views import bp as lessons_bp
    from gradebook_service.messages.views import bp as messages_bp
    from gradebook_service.notifications.views import bp as notifications_bp
    from gradebook_service.remarks.views import bp as remarks_bp
    from gradebook_service.staff.views import bp as staff_bp
    from gradebook_service.surveys.views import bp as surveys_bp
    from gradebook_service.timetable.views import bp as timetable_bp

    for blueprint in (family_bp, staff_bp, grades_bp, lessons_bp, timetable_bp, homework_bp,
                      calendar_bp, announcements_bp, remarks_bp, history_bp, exports_bp, surveys_bp,
                      notifications_bp, messages_bp, homeroom_bp,
                      lesson_grades_bp, archive_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    """Render HTTP errors as pages; JSON API paths answer problem+json."""
    from flask import render_template, request
    from werkzeug.exceptions import HTTPException

    from gradebook_service.extensions import db
    from shared.problem import problem_response
    from shared.unavailable import init_unavailable

    init_unavailable(app, db)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith(("/api/", "/internal/")):
            return problem_response(error.code, error.name, error.description)
        return render_template("error.html", error=error), error.code


def register_commands(app: Flask) -> None:
    """Add the operator commands (``flask --app gradebook_service …``)."""
    from gradebook_service.demo.cli import seed_demo_command
    from gradebook_service.letters.cli import accounts_cli, letters_cli
    from gradebook_service.notifications.cli import notifications_cli
    from gradebook_service.roster.cli import roster_cli, year_cli
    from gradebook_service.school.cli import school_cli
    from gradebook_service.timetable.cli import timetable_cli

    school_cli.add_command(year_cli)  # `school year rollover` (design 5.1)
    app.cli.add_command(school_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(roster_cli)
    app.cli.add_command(timetable_cli)
    app.cli.add_command(letters_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(notifications_cli)
