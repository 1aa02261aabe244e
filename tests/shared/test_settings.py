"""Configuration: one-line errors naming the variable, and no serving with the dev secret."""

import subprocess
import sys

import pytest

from shared.settings import DEV_SECRET_KEY, ConfigError, load_settings, read_secret

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


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
        load_settings("idp", {variable: value})


def test_defaults_are_safe_for_development(tmp_path):
    settings = load_settings("gradebook", {})
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["GRADEBOOK_URL"] == "http://127.0.0.1:5000"
    assert settings["IDP_ISSUER"] == "http://127.0.0.1:5001"
    assert settings["MAIL_PORT"] == 1025
    assert read_secret({}, tmp_path) == DEV_SECRET_KEY


def test_postgres_url_uses_psycopg3():
    url = load_settings("idp", {"IDP_DATABASE_URL": "postgresql://u@db/edz"})["SQLALCHEMY_DATABASE_URI"]
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
    idp = load_settings("idp", {})
    gradebook = load_settings("gradebook", {"GRADEBOOK_URL": "https://dziennik.example.pl"})
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
