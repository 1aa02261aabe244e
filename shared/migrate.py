"""Flask-Migrate bound on first use, so a worker serving requests never imports Alembic.

Flask-Migrate imports Alembic, Mako and Pygments (~11 MiB per worker) and its
``init_app`` adds the ``flask db`` command group. Only the ``flask`` command line and
in-process migrations (``flask_migrate.upgrade()`` in tests and benchmarks) need it.
Under the ``flask`` command (Flask sets ``FLASK_RUN_FROM_CLI``) it is bound at once,
so ``flask db …`` is there as before; elsewhere ``app.extensions["migrate"]`` is a
stand-in that binds the real one the first time Flask-Migrate reads it.
"""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()


class LazyMigrate:
    """Drop-in for an unbound ``flask_migrate.Migrate()`` in a service's ``extensions.py``."""

    def init_app(self, app, db, **kwargs) -> None:
        if os.environ.get("FLASK_RUN_FROM_CLI") == "true":
            _bind(app, db, kwargs)
        else:
            app.extensions["migrate"] = _MigrateOnFirstUse(app, db, kwargs)


def _bind(app, db, kwargs: dict) -> None:
    from flask_migrate import Migrate

    Migrate().init_app(app, db, **kwargs)


class _MigrateOnFirstUse:
    """Stands in ``app.extensions["migrate"]``; binds Flask-Migrate when first read."""

    def __init__(self, app, db, kwargs: dict) -> None:
        self._app, self._db, self._kwargs = app, db, kwargs

    def __getattr__(self, name: str):
        with _lock:
            if self._app.extensions.get("migrate") is self:
                _bind(self._app, self._db, self._kwargs)
        return getattr(self._app.extensions["migrate"], name)
