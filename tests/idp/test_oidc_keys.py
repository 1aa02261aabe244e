"""Signing keys: encrypted at rest, rotation with a grace period, retirement, per-process cache."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from idp.extensions import db
from idp.oidc import keys
from idp.oidc.models import SigningKey
from shared.database import utcnow
from tests.idp.conftest import POST_LOGOUT, Flow, bearer, make_client, sign_in, verify_jwt


def jwks_kids(client) -> set[str]:
    return {k["kid"] for k in client.get("/oauth/jwks").get_json()["keys"]}


def test_private_keys_are_encrypted_with_the_secret(idp_client, idp_app):
    idp_client.get("/oauth/jwks")
    row = db.session.scalar(sa.select(SigningKey).filter_by(alg="RS256"))
    assert '"d"' not in row.private_jwk_encrypted
    private = keys.decrypt_private_jwk(idp_app.config["SECRET_KEY"], row.kid,
                                       row.private_jwk_encrypted)
    assert private["d"] and private["kid"] == row.kid
    with pytest.raises(keys.KeyDecryptionError):
        keys.decrypt_private_jwk("another-secret", row.kid, row.private_jwk_encrypted)
    with pytest.raises(keys.KeyDecryptionError):  # bound to its kid
        keys.decrypt_private_jwk(idp_app.config["SECRET_KEY"], "other", row.private_jwk_encrypted)


def test_rotation_keeps_old_tokens_valid_until_they_expire(idp_client, idp_app, account, flow):
    sign_in(idp_client, account)
    before = flow.tokens()
    old_kid = verify_jwt(idp_client, before["access_token"]).header["kid"]
    keys.rotate_keys()
    db.session.commit()
    kids = jwks_kids(idp_client)
    assert old_kid in kids and len(kids) == 4  # old and new, RS256 and ES256
    after = flow.tokens()
    assert verify_jwt(idp_client, after["access_token"]).header["kid"] != old_kid
    # Tokens signed before the rotation still work.
    assert idp_client.get("/oauth/userinfo", headers=bearer(before["access_token"])).status_code \
        == 200
    verify_jwt(idp_client, before["id_token"])
    # After the grace period the old key is retired: out of the JWKS, its tokens refused.
    later = utcnow() + keys.grace_period(idp_app) + timedelta(seconds=1)
    with time_machine.travel(later):
        retired = keys.retire_expired_keys()
        db.session.commit()
        assert old_kid in {k.kid for k in retired}
        assert old_kid not in jwks_kids(idp_client)
        assert len(jwks_kids(idp_client)) == 2


def test_token_signed_by_retired_key_is_refused(idp_client, idp_app, account, flow):
    sign_in(idp_client, account)
    old = flow.tokens(scope="openid offline_access")
    keys.rotate_keys()
    db.session.commit()
    later = utcnow() + keys.grace_period(idp_app) + timedelta(seconds=1)
    with time_machine.travel(later):
        keys.retire_expired_keys()
        db.session.commit()
        # The access token has expired anyway; introspection and logout refuse the old ID token.
        response = idp_client.get("/oauth/logout", query_string={
            "id_token_hint": old["id_token"], "post_logout_redirect_uri": POST_LOGOUT})
        assert "Location" not in response.headers
    # Even within its lifetime, a token whose key left the JWKS is not accepted.
    from idp.oidc.tokens import decode_access_token

    db.session.execute(sa.update(SigningKey).where(SigningKey.status == "retiring")
                       .values(status="retired"))
    db.session.commit()
    keys.key_cache(idp_app).invalidate()
    assert decode_access_token(old["access_token"]) is None
    assert idp_client.get("/oauth/userinfo", headers=bearer(old["access_token"])).status_code \
        == 401


def test_keys_created_on_first_token(idp_client, account, flow):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SigningKey)) == 0
    sign_in(idp_client, account)
    flow.tokens()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SigningKey)) == 2


def test_other_process_rotation_is_picked_up(idp_client, idp_app, account, flow):
    """Another node rotates: the cache notices the changed key ids on its next check."""
    sign_in(idp_client, account)
    old_kid = verify_jwt(idp_client, flow.tokens()["access_token"]).header["kid"]
    cache = keys.key_cache(idp_app)
    # Simulate another process: add a key without touching this process's cache.
    for row in db.session.scalars(sa.select(SigningKey).filter_by(status="active")):
        row.status, row.retire_after = "retiring", utcnow() + timedelta(hours=2)
    db.session.add(keys.new_key_row("RS256", idp_app.config["SECRET_KEY"]))
    db.session.add(keys.new_key_row("ES256", idp_app.config["SECRET_KEY"]))
    db.session.commit()
    cache._checked_at = 0.0  # the re-check interval has passed
    assert verify_jwt(idp_client, flow.tokens()["access_token"]).header["kid"] != old_kid


@pytest.mark.app_config({"OIDC_KEY_CHECK_SECONDS": 3600})
def test_hot_paths_do_few_queries(idp_client, idp_app, account, flow):
    """Once warm, the token endpoint reads only the client (so a deleted one fails at once)."""
    client_id, secret = make_client("svc", grant_types=["client_credentials"], redirect_uris=(),
                                     scope="school_accounts.verify")
    svc = Flow(idp_client, client_id, secret)
    sign_in(idp_client, account)
    access = flow.tokens()["access_token"]
    svc.post_token({"grant_type": "client_credentials"})  # warm the caches
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2] if len(args) > 2 else "")

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert svc.post_token({"grant_type": "client_credentials"}).status_code == 200
        token_queries = len(statements)
        statements.clear()
        assert idp_client.get("/oauth/userinfo", headers=bearer(access)).status_code == 200
        userinfo_queries = len(statements)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert token_queries == 1
    assert userinfo_queries <= 3  # revocation check, account (+ session user)


def test_keys_cli(idp_app, idp_client):
    runner = idp_app.test_cli_runner()
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert {k["alg"] for k in created} == {"RS256", "ES256"}
    result = runner.invoke(args=["keys", "rotate"])
    listed = json.loads(runner.invoke(args=["keys", "list"]).output)
    assert [k["status"] for k in listed].count("active") == 2
    assert [k["status"] for k in listed].count("retiring") == 2
    assert {k["kid"] for k in created} <= jwks_kids(idp_client)
    later = utcnow() + keys.grace_period(idp_app) + timedelta(seconds=1)
    with time_machine.travel(later):
        retired = json.loads(runner.invoke(args=["keys", "retire"]).output)
    assert {k["kid"] for k in retired} == {k["kid"] for k in created}
