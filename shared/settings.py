"""Typed settings read from environment variables, with safe development defaults.

Every setting is declared once as a :class:`Setting` (config key, type and range,
default, environment variable, meaning): the ones both services read in
:data:`SHARED_SETTINGS`, each service's own in its ``config.py``. The factory calls
:func:`configure_app`, which reads the environment once (:func:`load_settings`) and
applies the factory's ``config=`` overrides. A malformed value stops start-up with a
one-line :class:`ConfigError` naming the variable, and the development secret is
refused wherever the app would serve real users. Code reads ``current_app.config[KEY]``
with no inline default; the README's settings table is rendered from these declarations.
"""

from __future__ import annotations

import os
import secrets
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import limits

from shared.password_policy import NIST, SCHOOL
from shared.passwords import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MEMORY_COST,
    DEFAULT_PARALLELISM,
    DEFAULT_TIME_COST,
)

#: The secret used when none is configured. Fine on a developer's laptop and in
#: tests; refused by :func:`check_secret` everywhere else.
DEV_SECRET_KEY = "dev-insecure-secret-change-me"  # noqa: S105 - the point is to detect it

SECRET_FILE_NAME = "secret_key"  # noqa: S105 - a file name, not a secret


class ConfigError(RuntimeError):
    """A configuration variable is missing or malformed; the message names it."""


# --------------------------------------------------------------------------- types

@dataclass(frozen=True)
class Text:
    """Any string."""

    def parse(self, variable: str, raw: str) -> str:
        return raw

    def describe(self) -> str:
        return "text"


@dataclass(frozen=True)
class Int:
    """A whole number in ``low``–``high``."""

    low: int
    high: int
    # Class attributes, not fields: what Seconds changes.
    _cast = int
    _what = "a whole number"
    _unit = "integer"

    def parse(self, variable: str, raw: str) -> int:
        try:
            number = self._cast(raw)
        except ValueError:
            raise ConfigError(f"{variable} must be {self._what}, got {raw!r}") from None
        if not self.low <= number <= self.high:
            raise ConfigError(f"{variable} must be between {self.low} and {self.high}, got {number}")
        return number

    def describe(self) -> str:
        return f"{self._unit} {self.low}–{self.high}"


@dataclass(frozen=True)
class Seconds(Int):
    """A duration in seconds (fractions allowed) in ``low``–``high``."""

    low: float
    high: float
    _cast = float
    _what = "a number of seconds"
    _unit = "seconds"


@dataclass(frozen=True)
class Timeouts:
    """Connect and read timeouts in seconds, written ``CONNECT,READ`` (as requests takes them)."""

    high: float

    def parse(self, variable: str, raw: str) -> tuple[float, float]:
        parts = raw.split(",")
        seconds = Seconds(0.1, self.high)
        if len(parts) != 2:
            raise ConfigError(f"{variable} must be CONNECT,READ seconds, got {raw!r}")
        connect, read = (seconds.parse(variable, part.strip()) for part in parts)
        return connect, read

    def describe(self) -> str:
        return f"CONNECT,READ seconds (each 0.1–{self.high})"


@dataclass(frozen=True)
class Flag:
    """On or off: ``1/true/yes/on`` or ``0/false/no/off``."""

    def parse(self, variable: str, raw: str) -> bool:
        value = raw.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{variable} must be 1/true/yes/on or 0/false/no/off, got {raw!r}")

    def describe(self) -> str:
        return "on/off (`1`/`0`)"


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of words."""

    choices: tuple[str, ...]

    def parse(self, variable: str, raw: str) -> str:
        if raw not in self.choices:
            raise ConfigError(f"{variable} must be one of {', '.join(self.choices)}, got {raw!r}")
        return raw

    def describe(self) -> str:
        return " or ".join(f"`{choice}`" for choice in self.choices)


@dataclass(frozen=True)
class TimeZone:
    """An IANA time-zone name such as ``Europe/Warsaw``."""

    def parse(self, variable: str, raw: str) -> str:
        try:
            zoneinfo.ZoneInfo(raw)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{variable} must be a time zone such as Europe/Warsaw, got {raw!r}") \
                from None
        return raw

    def describe(self) -> str:
        return "IANA time zone"


@dataclass(frozen=True)
class Rate:
    """A rate limit in the ``limits`` notation, e.g. ``10 per minute``."""

    def parse(self, variable: str, raw: str) -> str:
        try:
            limits.parse(raw)
        except ValueError:
            raise ConfigError(f"{variable} must be a rate such as '10 per minute', got {raw!r}") \
                from None
        return raw

    def describe(self) -> str:
        return "rate (`N per minute/hour/day`)"


@dataclass(frozen=True)
class Url:
    """An absolute URL with one of ``schemes``; a trailing slash is dropped."""

    schemes: tuple[str, ...]

    def parse(self, variable: str, raw: str) -> str:
        parsed = urlparse(raw)
        if parsed.scheme not in self.schemes or not parsed.netloc:
            raise ConfigError(
                f"{variable} must be an absolute {'/'.join(self.schemes)} URL, got {raw!r}")
        return raw.rstrip("/")

    def describe(self) -> str:
        return "/".join(self.schemes) + " URL"


@dataclass(frozen=True)
class DatabaseUrl:
    """A SQLAlchemy URL for SQLite or PostgreSQL (psycopg 3)."""

    def parse(self, variable: str, raw: str) -> str:
        scheme = raw.split(":", 1)[0]
        if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
            raise ConfigError(f"{variable} must be a sqlite:// or postgresql:// URL, got {raw!r}")
        if scheme == "postgresql":
            # psycopg 3 is the driver we ship; a bare postgresql:// would look for psycopg2.
            raw = "postgresql+psycopg" + raw[len(scheme):]
        return raw

    def describe(self) -> str:
        return "`sqlite:///…` or `postgresql://…`"


# --------------------------------------------------------------------------- declarations

@dataclass(frozen=True)
class Setting:
    """One setting: its config key, type and range, default, environment variable and meaning."""

    name: str
    type: Text | Int | Timeouts | Flag | Choice | Rate | Url | DatabaseUrl
    default: Any
    doc: str
    #: The environment variable, when it is not the config key itself.
    env: str = ""
    #: Computes the default at load time (the secret from the instance folder).
    default_factory: Callable[[], Any] | None = None
    #: The default as the README shows it, when the value itself is machine-specific.
    shown_default: str = ""

    @property
    def variable(self) -> str:
        """The environment variable that sets this setting."""
        return self.env or self.name

    def read(self, environ: Mapping[str, str]) -> Any:
        """Parse the variable from ``environ``; unset or empty means the default."""
        raw = environ.get(self.variable)
        if raw:
            return self.type.parse(self.variable, raw)
        return self.default_factory() if self.default_factory else self.default


#: Where SQLite files, the generated secret and demo state live. Read when this module
#: is imported, since the instance folder is fixed for the life of the process.
INSTANCE_SETTING = Setting(
    "EDZ_INSTANCE_DIR", Text(), "instance",
    "where SQLite files, the generated secret and logs live (relative to the working directory)",
    shown_default="`./instance`")
INSTANCE_DIR = Path(INSTANCE_SETTING.read(os.environ)).resolve()


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


def database_setting(service: str) -> Setting:
    """The database URL of ``service`` ("idp" or "gradebook"), from ``<SERVICE>_DATABASE_URL``."""
    return Setting(
        "SQLALCHEMY_DATABASE_URI", DatabaseUrl(), f"sqlite:///{INSTANCE_DIR / (service + '.sqlite3')}",
        "this service's database (PostgreSQL through psycopg 3)",
        env=f"{service.upper()}_DATABASE_URL", shown_default=f"`instance/{service}.sqlite3`")


WEB_URL = Url(("http", "https"))

#: The settings both services read.
SHARED_SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", Text(), None,
            "signs sessions and links, encrypts the IdP's signing keys; required outside debug/test",
            default_factory=lambda: read_secret({}), shown_default="`instance/secret_key` if present"),
    Setting("IDP_ISSUER", WEB_URL, "http://127.0.0.1:5001",
            "the IdP's public URL (the `iss` of its tokens)"),
    Setting("GRADEBOOK_URL", WEB_URL, "http://127.0.0.1:5000", "the gradebook's public URL"),
    Setting("MAIL_SERVER", Text(), "127.0.0.1", "SMTP host (Flask-Mail names)"),
    Setting("MAIL_PORT", Int(1, 65535), 1025, "SMTP port"),
    Setting("MAIL_USE_TLS", Flag(), False, "STARTTLS to the SMTP server"),
    Setting("MAIL_USERNAME", Text(), None, "SMTP user"),
    Setting("MAIL_PASSWORD", Text(), None, "SMTP password"),
    Setting("MAIL_DEFAULT_SENDER", Text(), "E-dziennik <no-reply@e-dziennik.local>",
            "the From of every mail"),
    Setting("MAIL_BACKGROUND_SENDER", Flag(), True,
            "deliver the outbox from a thread in each web process; turn off (`0`) only where "
            "dedicated `flask --app … mail deliver --loop` processes run"),
    Setting("MAIL_FIRST_RETRY_SECONDS", Int(1, 3600), 30,
            "wait after a failed delivery; it doubles with each further failure, up to an hour"),
    Setting("MAIL_MAX_WAIT_MINUTES", Int(1, 10080), 15,
            "a queued mail older than this makes `/healthz` answer 503 and `mail status` exit 1"),
    Setting("REDIS_URL", Url(("redis", "rediss", "unix")), None,
            "shared storage for rate limits across processes (memory when unset)"),
    # OWASP's minimum for argon2id is m=19 MiB, t=2, p=1: the ranges never go below it.
    Setting("ARGON2_TIME_COST", Int(2, 20), DEFAULT_TIME_COST, "argon2id passes"),
    Setting("ARGON2_MEMORY_COST", Int(19456, 4194304), DEFAULT_MEMORY_COST,
            "argon2id memory in KiB"),
    Setting("ARGON2_PARALLELISM", Int(1, 16), DEFAULT_PARALLELISM, "argon2id lanes"),
    Setting("ARGON2_CONCURRENCY", Int(1, 64), DEFAULT_CONCURRENCY,
            "argon2id computations at once per process (more wait their turn); processes per "
            "host × this ≈ the host's cores"),
    Setting("THROTTLE_PER_ACCOUNT", Rate(), "5 per 15 minutes",
            "failed credential checks per account from browsers not known for it; then those "
            "browsers wait (known browsers are never blocked by them)"),
    Setting("THROTTLE_PER_IP", Rate(), "100 per 15 minutes",
            "failed credential checks per client address from unknown browsers (sized for a "
            "school behind one NAT address)"),
    Setting("THROTTLE_PER_DEVICE", Rate(), "10 per 15 minutes",
            "failed credential checks of one known browser (device cookie) for its account"),
    Setting("MAX_CONTENT_LENGTH", Int(65536, 104857600), 5 * 1024 * 1024,
            "largest request body in bytes (a roster CSV fits; larger answers 413 unread)"),
    Setting("TRUSTED_PROXIES", Int(0, 5), 0,
            "how many reverse proxies/load balancers stand in front and set X-Forwarded-For/-Proto "
            "(0: the headers are ignored and the connecting address counts, as without a proxy)"),
    Setting("BABEL_DEFAULT_TIMEZONE", TimeZone(), "Europe/Warsaw",
            "the time zone dates and times are shown in (the database keeps UTC)"),
    Setting("PASSWORD_POLICY", Choice((SCHOOL, NIST)), SCHOOL,
            "`school`: 8 characters with upper, lower case and a digit (the rule on the letters); "
            "`nist`: 15 characters; both with the deny list"),
)


@dataclass(frozen=True)
class ServiceSettings:
    """Every setting one service reads; its factory loads them once."""

    service: str
    declared: tuple[Setting, ...]

    def names(self) -> set[str]:
        """The config keys declared for this service."""
        return {setting.name for setting in self.declared}


def load_settings(settings: ServiceSettings, environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config of one service from the environment."""
    env = os.environ if environ is None else environ
    config = {setting.name: setting.read(env) for setting in settings.declared}
    own_url = config["IDP_ISSUER"] if settings.service == "idp" else config["GRADEBOOK_URL"]
    config.update({
        # Flask ships these keys with defaults, so they are set here rather than declared.
        # Cookies are not isolated by port: each service needs its own cookie name, or on
        # one host (127.0.0.1:5000 and :5001) one service's session overwrites the other's.
        "SESSION_COOKIE_NAME": f"edz_{settings.service}_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": own_url.startswith("https://"),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # CSRF tokens live as long as the session: a parent may take an hour over a form.
        "WTF_CSRF_TIME_LIMIT": None,
    })
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(
            parents=True, exist_ok=True)
    return config


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


def configure_app(app, settings: ServiceSettings, overrides: dict | None = None) -> None:
    """Load the service's settings into ``app.config``, apply ``overrides`` and check them.

    A configuration error ends the process with one line naming the variable
    (exit code 1) instead of a traceback: it is the operator's problem, not a bug.
    """
    try:
        app.config.update(load_settings(settings))
        if overrides:
            app.config.update(overrides)
        check_secret(app)
    except ConfigError as exc:
        raise SystemExit(f"E-dziennik configuration error: {exc}") from None


def settings_table(services: Iterable[ServiceSettings]) -> str:
    """Render the README's table of every setting of ``services`` (Markdown)."""
    services = list(services)
    declared: dict[str, Setting] = {}
    users: dict[str, list[str]] = {}
    for service in services:
        for setting in service.declared:
            declared.setdefault(setting.variable, setting)
            users.setdefault(setting.variable, []).append(service.service)
    used_by = {variable: "both" if len(names) == len(services) else names[0]
               for variable, names in users.items()}
    order = ["both", *(service.service for service in services)]
    rows = [_row(INSTANCE_SETTING, "both"), *(
        _row(declared[variable], used_by[variable])
        for variable in sorted(declared, key=lambda variable: order.index(used_by[variable])))]
    header = ["| variable | service | type / range | default | meaning |", "|---|---|---|---|---|"]
    return "\n".join(header + rows) + "\n"


def _row(setting: Setting, used_by: str) -> str:
    return (f"| `{setting.variable}` | {used_by} | {setting.type.describe()} "
            f"| {setting.shown_default or _shown(setting.default)} | {setting.doc} |")


def _shown(default: Any) -> str:
    if default is None:
        return "—"
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, tuple):
        return "`" + ",".join(f"{part:g}" for part in default) + "`"
    return f"`{default}`"
