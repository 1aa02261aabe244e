"""Registered clients: creation, update, secret hashing and the lookup every endpoint uses."""

from __future__ import annotations

import secrets
from urllib.parse import urlparse

import sqlalchemy as sa

from idp.extensions import db
from idp.oidc.constants import ALGORITHMS, DEFAULT_ALG, SUPPORTED_GRANT_TYPES, SUPPORTED_SCOPES
from idp.oidc.digests import digest
from idp.oidc.models import (
    AppConsent,
    AuthorizationCode,
    ClientView,
    Grant,
    OAuthClient,
    RefreshToken,
)

#: Scopes a client gets when none are given.
DEFAULT_SCOPE = "openid profile email school offline_access"
DEFAULT_GRANT_TYPES = ("authorization_code", "refresh_token")


class ClientError(ValueError):
    """A client definition is invalid (bad redirect URI, unknown grant type …)."""


def _check_uri(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme not in ("https", "http") or not parsed.netloc or parsed.fragment:
        raise ClientError(f"redirect URI must be an absolute http(s) URL without fragment: {uri}")
    return uri


def save_client(*, client_id: str | None, name: str, redirect_uris: list[str],
                post_logout_redirect_uris: list[str] | None = None, public: bool = False,
                first_party: bool = False, scope: str | None = None,
                grant_types: list[str] | None = None, rotate_secret: bool = False,
                internal: bool = False, id_token_alg: str = DEFAULT_ALG,
                ) -> tuple[OAuthClient, str | None]:
    """Create a client, or update the one with ``client_id``; return it and its new secret.

    A new confidential client always gets a secret. An existing one keeps its
    secret (None is returned) unless ``rotate_secret`` is set, so the demo script
    can re-run ``clients create --client-id gradebook …`` without breaking the
    gradebook's configured secret.
    """
    grant_types = list(grant_types or DEFAULT_GRANT_TYPES)
    unknown = set(grant_types) - set(SUPPORTED_GRANT_TYPES)
    if unknown:
        raise ClientError(f"unsupported grant types: {', '.join(sorted(unknown))}")
    scope = " ".join((scope or DEFAULT_SCOPE).split())
    bad_scopes = set(scope.split()) - set(SUPPORTED_SCOPES)
    if bad_scopes:
        raise ClientError(f"unknown scopes: {', '.join(sorted(bad_scopes))}")
    if "authorization_code" in grant_types and not redirect_uris:
        raise ClientError("a client using authorization_code needs at least one redirect URI")
    if public and "client_credentials" in grant_types:
        raise ClientError("a public client cannot use client_credentials")
    redirect_uris = [_check_uri(u) for u in redirect_uris]
    post_logout = [_check_uri(u) for u in (post_logout_redirect_uris or [])]

    client = None
    if client_id:
        client = db.session.scalar(sa.select(OAuthClient).filter_by(client_id=client_id))
    secret = None
    if client is None:
        client = OAuthClient(client_id=client_id or secrets.token_urlsafe(16))
        db.session.add(client)
        rotate_secret = True
    client.name = name
    client.redirect_uris = redirect_uris
    client.post_logout_redirect_uris = post_logout
    client.is_public = public
    client.first_party = first_party
    client.scope = scope
    client.grant_types = grant_types
    client.internal = internal
    if id_token_alg not in ALGORITHMS:
        raise ClientError(f"unsupported ID token algorithm {id_token_alg}")
    client.id_token_alg = id_token_alg
    if public:
        client.secret_hash = None
    elif rotate_secret or client.secret_hash is None:
        secret = secrets.token_urlsafe(32)
        client.secret_hash = digest(secret)
    db.session.flush()
    return client, secret


def delete_client(client_id: str) -> bool:
    """Delete a client with its codes, grants, tokens and consents."""
    client = db.session.scalar(sa.select(OAuthClient).filter_by(client_id=client_id))
    if client is None:
        return False
    grant_ids = sa.select(Grant.id).filter_by(client_id=client_id)
    db.session.execute(sa.delete(RefreshToken).where(RefreshToken.grant_id.in_(grant_ids)))
    for model in (Grant, AuthorizationCode, AppConsent):
        db.session.execute(sa.delete(model).filter_by(client_id=client_id))
    db.session.delete(client)
    db.session.flush()
    return True


def list_clients(include_internal: bool = False) -> list[OAuthClient]:
    """Every client, by id."""
    stmt = sa.select(OAuthClient).order_by(OAuthClient.id)
    if not include_internal:
        stmt = stmt.where(OAuthClient.internal.is_(False))
    return list(db.session.scalars(stmt))


def client_as_dict(client: OAuthClient, secret: str | None = None) -> dict:
    """The client as the CLI prints it."""
    data = {"client_id": client.client_id, "client_name": client.name,
            "redirect_uris": client.redirect_uris,
            "post_logout_redirect_uris": client.post_logout_redirect_uris,
            "token_endpoint_auth_method": "none" if client.is_public else "client_secret_basic",
            "first_party": client.first_party, "scope": client.scope,
            "grant_types": client.grant_types,
            "id_token_signed_response_alg": client.id_token_alg}
    if secret:
        data["client_secret"] = secret
    return data


#: One registration by client id, as a plain row (no ORM identity map: ~4x cheaper).
_CLIENT_ROW = sa.select(OAuthClient.__table__).where(
    OAuthClient.__table__.c.client_id == sa.bindparam("client_id"))


def load_client(connection: sa.Connection, client_id: str | None) -> ClientView | None:
    """Read a client's registration on ``connection``; None if unknown.

    Read on every call, never kept across requests: a deleted client or a rotated
    secret must be refused at once on every process and node (issue 16). A cache
    checked against a version would still need this one indexed query per request,
    and selecting the whole row costs ~20 µs more than selecting a version
    (docs/benchmarks.md), so there is nothing worth caching.
    """
    if not client_id or len(client_id) > 64:
        return None
    row = connection.execute(_CLIENT_ROW, {"client_id": client_id}).first()
    return ClientView(row) if row is not None else None


def query_client(client_id: str | None) -> ClientView | None:
    """Find a client by id (Authlib's ``query_client``) in the request's transaction."""
    return load_client(db.session.connection(), client_id)
