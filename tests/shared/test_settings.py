"""Configuration: typed declarations, one-line errors naming the variable, no serving with the
dev secret, no undeclared or inline-defaulted setting in the code, the README table in step."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from gradebook_service.config import SETTINGS as GRADEBOOK
from idp.config import SETTINGS as IDP
from shared.settings import (
    DEV_SECRET_KEY,
    ConfigError,
    load_settings,
    read_secret,
    settings_table,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("variable", "value"), [
    ("MAIL_PORT", "smtp"),
    ("MAIL_PORT", "70000"),
    ("IDP_ISSUER", "not a url"),
    ("GRADEBOOK_URL", "ftp://example.org"),
    ("IDP_DATABASE_URL", "mysql://localhost/x"),
    ("REDIS_URL", "localhost:6379"),
    ("ARGON2_MEMORY_COST", "1024"),  # below OWASP's minimum
])
def test_malformed_variable_is_named(variable, value):
    with pytest.raises(ConfigError, match=variable):
        load_settings(IDP, {variable: value})


def test_defaults_are_safe_for_development(tmp_path):
    settings = load_settings(GRADEBOOK, {})
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["GRADEBOOK_URL"] == "http://127.0.0.1:5000"
    assert settings["IDP_ISSUER"] == "http://127.0.0.1:5001"
    assert settings["MAIL_PORT"] == 1025
    assert read_secret({}, tmp_path) == DEV_SECRET_KEY


def test_postgres_url_uses_psycopg3():
    url = load_settings(IDP, {"IDP_DATABASE_URL": "postgresql://u@db/edz"})["SQLALCHEMY_DATABASE_URI"]
    assert url == "postgresql+psycopg://u@db/edz"


def test_secret_file_in_instance_folder_is_used(tmp_path):
    (tmp_path / "secret_key").write_text("from-file\n")
    assert read_secret({}, tmp_path) == "from-file"
    assert read_secret({"SECRET_KEY": "from-env"}, tmp_path) == "from-env"


def _start(app: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    code = f"from {app} import create_app; create_app(); print('started')"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "EDZ_INSTANCE_DIR": str(tmp_path), **env},
                          timeout=60)


@pytest.mark.parametrize("app", ["idp", "gradebook_service"])
def test_refuses_to_serve_with_the_development_secret(app, tmp_path):
    result = _start(app, {}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        result.stderr.strip()]  # one line, no traceback
    assert "SECRET_KEY" in result.stderr
    explicit = _start(app, {"SECRET_KEY": DEV_SECRET_KEY}, tmp_path)
    assert explicit.returncode == 1 and "SECRET_KEY" in explicit.stderr
    debug = _start(app, {"FLASK_DEBUG": "1"}, tmp_path)
    assert debug.returncode == 0, debug.stderr
    real = _start(app, {"SECRET_KEY": "a-real-deployment-secret"}, tmp_path)
    assert real.returncode == 0 and "started" in real.stdout


def test_malformed_configuration_stops_start_up_with_one_line(tmp_path):
    result = _start("idp", {"SECRET_KEY": "s", "MAIL_PORT": "abc"}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "E-dziennik configuration error: MAIL_PORT must be a whole number, got 'abc'")


def test_each_service_has_its_own_hardened_session_cookie():
    idp = load_settings(IDP, {})
    gradebook = load_settings(GRADEBOOK, {"GRADEBOOK_URL": "https://dziennik.example.pl"})
    assert idp["SESSION_COOKIE_NAME"] != gradebook["SESSION_COOKIE_NAME"]
    for settings in (idp, gradebook):
        assert settings["SESSION_COOKIE_HTTPONLY"] is True
        assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert idp["SESSION_COOKIE_SECURE"] is False  # plain-HTTP development issuer
    assert gradebook["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("app_fixture", ["idp_app", "gradebook_app"])
def test_session_cookie_flags_reach_the_browser(app_fixture, request):
    app = request.getfixturevalue(app_fixture)
    client = app.test_client()
    client.get("/login")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


@pytest.mark.parametrize(("variable", "value"), [
    ("OIDC_CODE_LIFETIME", "5"),
    ("OIDC_ACCESS_TOKEN_ALG", "HS256"),
    ("OIDC_KEY_CHECK_SECONDS", "soon"),
    ("LOGIN_RATE_LIMIT", "lots"),
    ("REGISTER_LIMIT_PER_IP", "2 a day"),
    ("PASSWORD_POLICY", "strong"),
    ("PARENTAL_CONSENT_AGE", "12"),
    ("BACKCHANNEL_TIMEOUT", "3"),
    ("MAIL_USE_TLS", "maybe"),
])
def test_malformed_service_setting_is_named(variable, value):
    with pytest.raises(ConfigError, match=variable):
        load_settings(IDP, {variable: value})


def test_service_settings_come_from_the_environment():
    idp = load_settings(IDP, {"LOGIN_RATE_LIMIT": "2 per minute", "PARENTAL_CONSENT_AGE": "13",
                              "OIDC_KEY_CHECK_SECONDS": "0.5", "BACKCHANNEL_TIMEOUT": "1, 2.5",
                              "PASSWORD_POLICY": "nist", "MAIL_USE_TLS": "yes"})
    assert (idp["LOGIN_RATE_LIMIT"], idp["PARENTAL_CONSENT_AGE"]) == ("2 per minute", 13)
    assert (idp["OIDC_KEY_CHECK_SECONDS"], idp["BACKCHANNEL_TIMEOUT"]) == (0.5, (1.0, 2.5))
    assert idp["PASSWORD_POLICY"] == "nist" and idp["MAIL_USE_TLS"] is True
    gradebook = load_settings(GRADEBOOK, {"REGISTER_FRAGMENT_CACHE": "0"})
    assert gradebook["REGISTER_FRAGMENT_CACHE"] is False


def test_every_declared_setting_has_a_value_by_default():
    for service in (IDP, GRADEBOOK):
        assert service.names() <= set(load_settings(service, {}))


def test_factory_overrides_win_over_the_environment(monkeypatch, idp_app):
    from idp import create_app

    monkeypatch.setenv("LOGIN_RATE_LIMIT", "2 per minute")
    config = {key: idp_app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI")}
    assert create_app(config).config["LOGIN_RATE_LIMIT"] == "2 per minute"
    assert create_app({**config, "LOGIN_RATE_LIMIT": "9 per minute"}).config["LOGIN_RATE_LIMIT"] \
        == "9 per minute"


#: Config keys the code reads that Flask, its extensions or the factory set (not settings).
NOT_SETTINGS = {"SESSION_COOKIE_SECURE", "RATELIMIT_KEY_PREFIX", "BABEL_DEFAULT_LOCALE",
                "BABEL_TRANSLATION_DIRECTORIES", "RATELIMIT_STORAGE_URI"}
CONFIG_READ = re.compile(r"""config(?:\.get\(|\.setdefault\(|\[)\s*f?["']([A-Z0-9_{}a-z.()]+)["']""")


def _code_files():
    for package in ("idp", "gradebook_service", "shared"):
        yield from (ROOT / package).rglob("*.py")
        yield from (ROOT / package).rglob("*.html")


def test_code_reads_only_declared_settings_without_inline_defaults():
    declared = IDP.names() | GRADEBOOK.names()
    inline_defaults, undeclared = [], []
    for path in _code_files():
        text = path.read_text()
        where = path.relative_to(ROOT)
        inline_defaults += [f"{where}: {m.group(0)}" for m in re.finditer(r"config\.get\(", text)]
        for name in CONFIG_READ.findall(text):
            if "{" in name:  # <ACTION>_LIMIT_PER_…: every action's pair is declared
                pattern = re.compile(re.sub(r"\{[^}]*\}", "[A-Z_]+", name) + "$")
                if not any(pattern.match(key) for key in declared):
                    undeclared.append(f"{where}: {name}")
            elif name not in declared | NOT_SETTINGS:
                undeclared.append(f"{where}: {name}")
    assert inline_defaults == [], "read settings as config[KEY]; declare defaults in config.py"
    assert undeclared == [], "declare every setting (shared/settings.py or the service's config.py)"


def test_readme_table_lists_exactly_the_declared_settings():
    readme = (ROOT / "README.md").read_text()
    begin = "<!-- settings table: python scripts/settings_table.py -->\n"
    table = readme.split(begin, 1)[1].split("<!-- end of settings table -->", 1)[0]
    assert table == settings_table([IDP, GRADEBOOK]), "run python scripts/settings_table.py"
    listed = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", table, re.MULTILINE))
    variables = {s.variable for service in (IDP, GRADEBOOK) for s in service.declared}
    assert listed == variables | {"EDZ_INSTANCE_DIR"}
