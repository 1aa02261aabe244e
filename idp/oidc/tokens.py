"""Our JWT access tokens (RFC 9068) as Authlib token objects, with the revocation check.

Verifying needs no token lookup: the signature and claims are checked against
the cached public keys; one indexed query then asks whether the token's grant
(``gid``) or the token itself (``jti``, RFC 7009) has been revoked.
"""

from __future__ import annotations

import sqlalchemy as sa
from authlib.oauth2.rfc6749 import TokenMixin
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError

from idp.accounts.models import Account
from idp.extensions import db
from idp.oidc import keys
from idp.oidc.clients import query_client
from idp.oidc.constants import ALGORITHMS
from idp.oidc.models import Grant, RevokedAccessToken
from shared.database import utcnow

_REQUIRED = ("iss", "sub", "aud", "exp", "iat", "jti", "client_id")


class AccessToken(TokenMixin):
    """A verified access token's claims."""

    def __init__(self, claims: dict, header: dict) -> None:
        self.claims = claims
        self.header = header
        self.scope = claims.get("scope", "")
        self._revoked: bool | None = None
        self._user = None

    def __getitem__(self, key):
        return self.claims[key]

    def get(self, key, default=None):
        return self.claims.get(key, default)

    def check_client(self, client):
        return self.claims.get("client_id") == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int(self.claims["exp"]) - int(self.claims["iat"])

    def is_expired(self):
        return int(self.claims["exp"]) <= int(utcnow().timestamp())

    def is_revoked(self):
        if self._revoked is None:
            self._revoked = access_token_revoked(self.claims)
        return self._revoked

    def get_user(self):
        """The account the token was issued for (None for client-credentials tokens)."""
        if self._user is None and self.claims.get("gid"):
            self._user = db.session.scalar(sa.select(Account).filter_by(sub=self.claims["sub"]))
        return self._user

    def get_client(self):
        return query_client(self.claims.get("client_id"))


def decode_access_token(token_string: str) -> AccessToken | None:
    """Verify signature, ``typ``, issuer and expiry of one of our access tokens; None if bad."""
    try:
        token = jwt.decode(token_string, keys.public_key_set(), algorithms=list(ALGORITHMS))
    except (JoseError, ValueError):
        return None
    if token.header.get("typ") != "at+jwt":
        return None  # an ID token is not an access token (RFC 9068 §4)
    claims = token.claims
    if any(name not in claims for name in _REQUIRED):
        return None
    registry = jwt.JWTClaimsRegistry(iss={"essential": True,
                                          "value": current_app.config["IDP_ISSUER"]},
                                     leeway=0)
    try:
        registry.validate(claims)
    except JoseError:
        return None
    return AccessToken(claims, token.header)


def access_token_revoked(claims: dict) -> bool:
    """Whether the token itself was revoked, or its grant is revoked or gone (one query).

    A grant is deleted with its client or its account (``clients.delete_client``, the
    foreign keys' cascades): its access tokens stop working at once, not at expiry.
    """
    revoked = sa.exists().where(RevokedAccessToken.jti == claims["jti"])
    if claims.get("gid"):
        revoked = sa.or_(revoked, ~sa.exists().where(Grant.id == claims["gid"],
                                                      Grant.revoked_at.is_(None)))
    return bool(db.session.scalar(sa.select(revoked)))
