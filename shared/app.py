"""What both application factories do alike: bind the common extensions in one order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask


def init_common_extensions(app: Flask, *, db, migrate, csrf, limiter, outbox, outbox_model,
                           counter_model,
                           migrations_dir: Path, package_dir: Path,
                           locale_account: Callable[[], object | None] | None = None,
                           languages: tuple[str, ...] | None = None) -> None:
    """Bind database, migrations, CSRF, rate limits, mail, hashing, languages and security."""
    import shared.collation  # noqa: F401 - gives SQLite connections the Polish collation
    from shared.database import init_database
    from shared.i18n import init_i18n
    from shared.passwords import init_hasher
    from shared.ratelimit import init_limiter
    from shared.security import init_security
    from shared.web import init_web

    init_database(app, db)
    # render_as_batch: SQLite can only alter tables by copying them (Alembic's batch mode).
    migrate.init_app(app, db, directory=str(migrations_dir), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    init_limiter(app, limiter, db, counter_model)
    outbox.init_app(app, db, outbox_model)
    init_hasher(app)
    init_i18n(app, package_dir, locale_account=locale_account, languages=languages)
    init_security(app)
    init_web(app)
