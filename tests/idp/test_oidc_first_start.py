"""Two IdP processes starting at once on an empty database (docs/architecture.md §2, "Scaling out").

Each "process" is its own app (own engine, own key cache) in its own thread. Both
first read the database and find nothing; a barrier then holds each one just before
its first insert until the other has read too, so both really try to create the same
rows: the signing keys of a fresh install and the IdP's internal client.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import KeySet

from idp import create_app
from idp.extensions import db
from idp.oidc import keys, service_tokens
from idp.oidc.constants import ALGORITHMS
from idp.oidc.models import OAuthClient, SigningKey
from tests.conftest import base_config


@pytest.fixture
def two_nodes(idp_app, database_urls):
    """Two more IdP apps on the test database, as two processes would be."""
    apps = [create_app(base_config(database_urls["idp"], "idp")) for _ in range(2)]
    yield apps
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def race(apps, work, table: str) -> list:
    """Run ``work(app)`` for every app at once; each waits before its first insert into ``table``."""
    barrier = threading.Barrier(len(apps), timeout=20)
    local = threading.local()

    def hold_first_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}") \
                and not getattr(local, "waited", False):
            local.waited = True
            barrier.wait()

    def run(app):
        with app.app_context():
            try:
                return work(app)
            finally:
                db.session.remove()

    engines = []
    for app in apps:
        with app.app_context():
            engines.append(db.engine)
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", hold_first_insert)
    try:
        with ThreadPoolExecutor(len(apps)) as pool:
            return [f.result() for f in [pool.submit(run, app) for app in apps]]
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", hold_first_insert)


def active_keys() -> list[SigningKey]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(SigningKey).filter_by(status="active")))


@pytest.mark.parametrize("own_transaction", [True, False], ids=["own-transaction", "in-request"])
def test_two_nodes_creating_the_first_keys_end_with_one_key_set(two_nodes, idp_client,
                                                                own_transaction):
    def first_keys(app):
        snapshot = keys.key_cache(app).get(own_transaction=own_transaction)
        db.session.commit()
        return set(snapshot.signing)

    assert race(two_nodes, first_keys, "signing_key") == [set(ALGORITHMS)] * 2
    active = active_keys()
    assert sorted(k.alg for k in active) == sorted(ALGORITHMS)
    published = idp_client.get("/oauth/jwks").get_json()
    assert {k["kid"] for k in published["keys"]} == {k.kid for k in active}
    # Whichever node signs, the token verifies with the JWKS any node publishes.
    for app in two_nodes:
        with app.app_context():
            token = service_tokens.issue_service_access_token("school_accounts.verify")
            db.session.commit()
            own_jwks = app.test_client().get("/oauth/jwks").get_json()
        for jwks in (published, own_jwks):
            decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=list(ALGORITHMS))
            assert decoded.header["kid"] in {k.kid for k in active}


def test_the_node_that_loses_the_race_uses_the_winners_keys(two_nodes):
    """The loser's cache holds the winner's keys, not keys of its own that were never stored."""
    def signing_kids(app):
        snapshot = keys.key_cache(app).get(own_transaction=True)
        return {alg: key.kid for alg, key in snapshot.signing.items()}

    first, second = race(two_nodes, signing_kids, "signing_key")
    assert first == second == {k.alg: k.kid for k in active_keys()}


def test_rotation_still_leaves_one_active_key_per_algorithm(idp_app, idp_client):
    idp_client.get("/oauth/jwks")
    keys.rotate_keys()
    db.session.commit()
    assert sorted(k.alg for k in active_keys()) == sorted(ALGORITHMS)


def test_two_nodes_creating_the_internal_client_share_one_row(two_nodes):
    def internal_client(app):
        client = service_tokens._internal_client()
        db.session.commit()
        return client.client_id

    ids = race(two_nodes, internal_client, "oauth_client")
    assert ids == [service_tokens.INTERNAL_CLIENT_ID] * 2
    db.session.rollback()
    rows = db.session.scalars(sa.select(OAuthClient).filter_by(
        client_id=service_tokens.INTERNAL_CLIENT_ID)).all()
    assert len(rows) == 1 and rows[0].internal and rows[0].grant_types == ["client_credentials"]
