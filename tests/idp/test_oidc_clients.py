"""Client registration through the CLI (docs/architecture.md §5.1: ``flask --app idp clients create``)."""

from __future__ import annotations

import base64
import json

import sqlalchemy as sa

from idp.extensions import db
from idp.oidc.models import OAuthClient


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def token_status(client, client_id, secret):
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return client.post("/oauth/token", data={"grant_type": "client_credentials"},
                       headers={"Authorization": "Basic " + raw}).status_code


def test_create_prints_json_and_stores_hash(idp_app):
    result = run(idp_app, "clients", "create", "--name", "Dziennik", "--redirect-uri",
                 "http://127.0.0.1:5000/auth/callback", "--redirect-uri", "http://localhost:5000/cb",
                 "--post-logout-redirect-uri", "http://127.0.0.1:5000/", "--first-party")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["client_id"] and len(data["client_secret"]) >= 43
    assert data["redirect_uris"] == ["http://127.0.0.1:5000/auth/callback",
                                     "http://localhost:5000/cb"]
    row = db.session.scalar(sa.select(OAuthClient).filter_by(client_id=data["client_id"]))
    assert row.secret_hash != data["client_secret"] and len(row.secret_hash) == 64
    assert row.first_party


def test_rerun_with_client_id_is_idempotent(idp_app, idp_client):
    args = ["clients", "create", "--client-id", "gradebook", "--name", "Dziennik",
            "--redirect-uri", "http://127.0.0.1:5000/auth/callback", "--first-party",
            "--grant-type", "authorization_code", "--grant-type", "refresh_token",
            "--grant-type", "client_credentials", "--scope", "openid profile school_accounts.verify"]
    first = json.loads(run(idp_app, *args).output)
    assert first["client_id"] == "gradebook"
    again = run(idp_app, *args[:-1], "openid profile email school_accounts.verify")
    assert again.exit_code == 0
    second = json.loads(again.output)
    assert "client_secret" not in second and "email" in second["scope"]
    assert token_status(idp_client, "gradebook", first["client_secret"]) == 200
    rotated = json.loads(run(idp_app, *args, "--rotate-secret").output)
    assert rotated["client_secret"] != first["client_secret"]
    assert token_status(idp_client, "gradebook", rotated["client_secret"]) == 200
    assert token_status(idp_client, "gradebook", first["client_secret"]) == 401
    assert len(json.loads(run(idp_app, "clients", "list").output)) == 1


def test_public_client_has_no_secret(idp_app):
    data = json.loads(run(idp_app, "clients", "create", "--name", "SPA", "--public",
                          "--redirect-uri", "https://spa.example.org/cb").output)
    assert "client_secret" not in data
    assert data["token_endpoint_auth_method"] == "none"


def test_list_and_delete(idp_app):
    run(idp_app, "clients", "create", "--client-id", "a", "--name", "A", "--redirect-uri",
        "https://a.example.org/cb")
    listed = json.loads(run(idp_app, "clients", "list").output)
    assert [c["client_id"] for c in listed] == ["a"]
    assert "client_secret" not in listed[0]
    assert run(idp_app, "clients", "delete", "a").exit_code == 0
    assert json.loads(run(idp_app, "clients", "list").output) == []
    assert run(idp_app, "clients", "delete", "a").exit_code != 0


def test_invalid_definitions_are_refused(idp_app):
    bad = run(idp_app, "clients", "create", "--name", "X", "--redirect-uri", "javascript:alert(1)")
    assert bad.exit_code != 0
    bad = run(idp_app, "clients", "create", "--name", "X", "--redirect-uri",
              "https://x.example.org/cb#frag")
    assert bad.exit_code != 0
    bad = run(idp_app, "clients", "create", "--name", "X", "--redirect-uri",
              "https://x.example.org/cb", "--scope", "openid admin")
    assert bad.exit_code != 0
    bad = run(idp_app, "clients", "create", "--name", "X", "--public", "--grant-type",
              "client_credentials")
    assert bad.exit_code != 0
    assert "--rotate-secret" in run(idp_app, "clients", "create", "--help").output
