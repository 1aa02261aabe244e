"""Access tokens the IdP issues to itself for the gradebook's back channel (docs/architecture.md §5.3).

The token is what the client-credentials grant returns to any service client
(RFC 9068 JWT, same keys, ``aud`` the scope's resource server), issued to the
IdP's own internal client without an HTTP round trip, and kept in process until
shortly before it expires.
"""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from flask import current_app

from idp.extensions import db
from idp.oidc.constants import DEFAULT_ALG
from idp.oidc.models import ClientView, OAuthClient
from shared.database import upsert, utcnow

INTERNAL_CLIENT_ID = "idp-internal"
#: Reuse a cached token until this many seconds before it expires.
RENEW_BEFORE = 60

_lock = threading.Lock()


def _internal_client() -> ClientView:
    """The internal client's row, created the first time.

    Every IdP node may get here first on a fresh database: the row is inserted with
    ``ON CONFLICT DO NOTHING`` (never check-then-insert), then read, so the node
    that lost the race uses the winner's row instead of failing on
    ``uq_oauth_client_client_id``.
    """
    select = sa.select(OAuthClient).filter_by(client_id=INTERNAL_CLIENT_ID)
    row = db.session.scalar(select)
    if row is None:
        db.session.execute(upsert(db, OAuthClient.__table__, {
            "client_id": INTERNAL_CLIENT_ID, "name": "E-dziennik IdP", "secret_hash": None,
            "is_public": False, "first_party": True, "redirect_uris": [],
            "post_logout_redirect_uris": [], "scope": "school_accounts.verify",
            "grant_types": ["client_credentials"], "internal": True,
            "id_token_alg": DEFAULT_ALG, "created_at": utcnow()}, keys=["client_id"]))
        row = db.session.scalar(select)
    return ClientView(row)


def issue_service_access_token(scope: str) -> str:
    """A JWT access token of the IdP's internal client for ``scope`` (cached until near expiry)."""
    cache: dict = current_app.extensions.setdefault("oidc_service_tokens", {})
    now = time.time()
    hit = cache.get(scope)
    if hit is not None and hit[1] - RENEW_BEFORE > now:
        return hit[0]
    with _lock:
        generator = current_app.extensions["oidc_token_generator"]
        token = generator.generate("client_credentials", _internal_client(), user=None,
                                   scope=scope, include_refresh_token=False)
        cache[scope] = (token["access_token"], now + token["expires_in"])
        return token["access_token"]
