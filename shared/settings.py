"""Configuration from environment variables, with safe development defaults.

Each service calls :func:`load_settings` from its factory. A malformed value stops
start-up with a one-line :class:`ConfigError` naming the variable, and the
development secret is refused wherever the app would serve real users.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

#: The secret used when none is configured. Fine on a developer's laptop and in
#: tests; refused by :func:`check_secret` everywhere else.
DEV_SECRET_KEY = "dev-insecure-secret-change-me"  # noqa: S105 - the point is to detect it

#: Where SQLite files, the generated secret and demo state live (``instance/``).
INSTANCE_DIR = Path(os.environ.get("EDZ_INSTANCE_DIR", Path.cwd() / "instance")).resolve()

SECRET_FILE_NAME = "secret_key"  # noqa: S105 - a file name, not a secret


class ConfigError(RuntimeError):
    """A configuration variable is missing or malformed; the message names it."""


def _url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ConfigError(f"{name} must be an absolute {'/'.join(schemes)} URL, got {value!r}")
    return value.rstrip("/")


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _database_url(name: str, value: str) -> str:
    scheme = value.split(":", 1)[0]
    if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
        raise ConfigError(f"{name} must be a sqlite:// or postgresql:// URL, got {value!r}")
    if scheme == "postgresql" or scheme == "postgres":
        # psycopg 3 is the driver we ship; a bare postgresql:// would look for psycopg2.
        value = "postgresql+psycopg" + value[len(scheme):]
    return value


def read_secret(environ: Mapping[str, str], instance_dir: Path = INSTANCE_DIR) -> str:
    """Return SECRET_KEY from the environment, else the instance file, else the dev key."""
    if environ.get("SECRET_KEY"):
        return environ["SECRET_KEY"]
    secret_file = instance_dir / SECRET_FILE_NAME
    if secret_file.is_file():
        return secret_file.read_text().strip()
    return DEV_SECRET_KEY


def write_instance_secret(instance_dir: Path = INSTANCE_DIR) -> Path:
    """Create ``instance/secret_key`` with a random secret unless it exists (used by the demo)."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / SECRET_FILE_NAME
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path


def load_settings(service: str, environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config for ``service`` ("idp" or "gradebook") from the environment."""
    env = os.environ if environ is None else environ
    db_var = {"idp": "IDP_DATABASE_URL", "gradebook": "GRADEBOOK_DATABASE_URL"}[service]
    default_db = f"sqlite:///{INSTANCE_DIR / (service + '.sqlite3')}"
    settings = {
        "SECRET_KEY": read_secret(env),
        "SQLALCHEMY_DATABASE_URI": _database_url(db_var, env.get(db_var) or default_db),
        "IDP_ISSUER": _url("IDP_ISSUER", env.get("IDP_ISSUER") or "http://127.0.0.1:5001",
                           ("http", "https")),
        "GRADEBOOK_URL": _url("GRADEBOOK_URL", env.get("GRADEBOOK_URL") or "http://127.0.0.1:5000",
                              ("http", "https")),
        "MAIL_SERVER": env.get("MAIL_SERVER") or "127.0.0.1",
        "MAIL_PORT": _int("MAIL_PORT", env.get("MAIL_PORT") or "1025", 1, 65535),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER") or "E-dziennik <no-reply@e-dziennik.local>",
        "REDIS_URL": _url("REDIS_URL", env["REDIS_URL"], ("redis", "rediss", "unix"))
        if env.get("REDIS_URL") else None,
        "GRADEBOOK_OIDC_CLIENT_ID": env.get("GRADEBOOK_OIDC_CLIENT_ID") or None,
        "GRADEBOOK_OIDC_CLIENT_SECRET": env.get("GRADEBOOK_OIDC_CLIENT_SECRET") or None,
        "MAIL_BACKGROUND_SENDER": env.get("MAIL_BACKGROUND_SENDER", "").lower() in ("1", "true"),
    }
    own_url = settings["IDP_ISSUER"] if service == "idp" else settings["GRADEBOOK_URL"]
    settings.update({
        # Flask ships these keys with defaults, so they are set here rather than setdefault.
        # Cookies are not isolated by port: each service needs its own cookie name, or on
        # one host (127.0.0.1:5000 and :5001) one service's session overwrites the other's.
        "SESSION_COOKIE_NAME": f"edz_{service}_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": own_url.startswith("https://"),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # CSRF tokens live as long as the session: a parent may take an hour over a form.
        "WTF_CSRF_TIME_LIMIT": None,
    })
    for name, (low, high) in {"ARGON2_TIME_COST": (2, 20), "ARGON2_MEMORY_COST": (19456, 4194304),
                              "ARGON2_PARALLELISM": (1, 16)}.items():
        if env.get(name):
            settings[name] = _int(name, env[name], low, high)
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(settings["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(
            parents=True, exist_ok=True)
    return settings


def check_secret(app) -> None:
    """Refuse to serve with the development secret outside debug and testing.

    CLI commands other than ``run`` (migrations, operator commands) are allowed, so a
    fresh checkout can be set up before a secret exists; commands that encrypt with
    the secret call :func:`require_real_secret` themselves.
    """
    if app.config["SECRET_KEY"] != DEV_SECRET_KEY or app.debug or app.testing:
        return
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.info_name not in ("run", None):
        return
    raise ConfigError(
        "SECRET_KEY is not set: refusing to start with the development secret outside "
        "debug/test (set SECRET_KEY, or run the README's demo command to create instance/secret_key)")


def require_real_secret(app) -> None:
    """Stop a command that would encrypt or sign durable data with the development secret."""
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY and not (app.debug or app.testing):
        raise ConfigError("SECRET_KEY is not set: this command needs the deployment secret")


def configure_app(app, service: str, overrides: dict | None = None) -> None:
    """Load ``service``'s settings into ``app.config`` and check them.

    A configuration error ends the process with one line naming the variable
    (exit code 1) instead of a traceback: it is the operator's problem, not a bug.
    """
    try:
        app.config.update(load_settings(service))
        if overrides:
            app.config.update(overrides)
        check_secret(app)
    except ConfigError as exc:
        raise SystemExit(f"E-dziennik configuration error: {exc}") from None
