"""OAuth 2.0 / OpenID Connect records: clients, signing keys, codes, grants, tokens, consents.

Secrets are never stored in the clear: client secrets, authorization codes and
refresh tokens are kept as SHA-256 digests (they carry 256 bits of randomness,
so a fast hash is enough: there is nothing to brute-force), signing keys'
private parts are encrypted with a key derived from ``SECRET_KEY``.

Access tokens are JWTs (RFC 9068) and are not stored; they name their grant
(``gid`` claim), so revoking a grant revokes every access and refresh token issued
under it.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.accounts.models import Account
from idp.extensions import db
from idp.oidc.constants import CONFIDENTIAL_AUTH_METHODS, DEFAULT_ALG
from idp.oidc.digests import matches_digest
from shared.database import TimestampMixin, utcnow


def new_grant_id() -> str:
    """An opaque grant identifier (it appears in access tokens as ``gid``)."""
    return secrets.token_urlsafe(16)


class OAuthClient(TimestampMixin, db.Model):
    """A registered relying party (RFC 6749 §2, OIDC Registration metadata names)."""

    __tablename__ = "oauth_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: SHA-256 hex digest of the secret; None for public clients.
    secret_hash: Mapped[str | None] = mapped_column(sa.String(64))
    is_public: Mapped[bool] = mapped_column(default=False)
    #: First-party apps (the gradebook) skip the consent screen.
    first_party: Mapped[bool] = mapped_column(default=False)
    redirect_uris: Mapped[list] = mapped_column(sa.JSON, default=list)
    post_logout_redirect_uris: Mapped[list] = mapped_column(sa.JSON, default=list)
    scope: Mapped[str] = mapped_column(sa.String(500))
    grant_types: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Internal clients (the IdP's own back-channel client) are hidden from listings.
    internal: Mapped[bool] = mapped_column(default=False)
    #: OIDC Registration §2 ``id_token_signed_response_alg``: RS256 (default) or ES256.
    id_token_alg: Mapped[str] = mapped_column(sa.String(10), default=DEFAULT_ALG)


class SigningKey(TimestampMixin, db.Model):
    """A JWS signing key; the private JWK is encrypted (AES-GCM) with a key derived from SECRET_KEY.

    Life cycle: ``active`` (signs and is published) → ``retiring`` (published only,
    until ``retire_after``, so tokens signed by it still verify) → ``retired``
    (neither; kept for the audit trail).
    """

    __tablename__ = "signing_key"
    __table_args__ = (
        sa.CheckConstraint("status in ('active', 'retiring', 'retired')", name="status"),
        # One active key per algorithm: two nodes creating the first keys at once cannot
        # both succeed (the loser reads the winner's keys, idp/oidc/keys.py).
        sa.Index("uq_signing_key_active_alg", "alg", unique=True,
                 sqlite_where=sa.text("status = 'active'"),
                 postgresql_where=sa.text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    alg: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default="active", index=True)
    public_jwk: Mapped[dict] = mapped_column(sa.JSON)
    private_jwk_encrypted: Mapped[str] = mapped_column(sa.Text)
    #: Set when the key stops signing: published until then, retired afterwards.
    retire_after: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]


class AuthorizationCode(TimestampMixin, db.Model, AuthorizationCodeMixin):
    """A one-time authorization code (RFC 6749 §4.1.2), stored as a SHA-256 digest."""

    __tablename__ = "oauth_authorization_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(
        sa.ForeignKey("oauth_client.client_id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)
    redirect_uri: Mapped[str] = mapped_column(sa.Text)
    scope: Mapped[str] = mapped_column(sa.String(500))
    nonce: Mapped[str | None] = mapped_column(sa.String(255))
    auth_time: Mapped[int | None]
    acr: Mapped[str | None] = mapped_column(sa.String(64))
    amr: Mapped[list | None] = mapped_column(sa.JSON)
    claims_request: Mapped[dict | None] = mapped_column(sa.JSON)
    code_challenge: Mapped[str | None] = mapped_column(sa.String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(sa.String(10))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    #: The grant created when the code was redeemed (revoked if the code is replayed).
    grant_id: Mapped[str | None] = mapped_column(sa.String(32))

    account: Mapped[Account] = relationship()

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return self.acr

    def get_amr(self):
        return self.amr


class Grant(TimestampMixin, db.Model):
    """One authorization of a client by an account: the family of tokens from one code.

    Every refresh token and access token issued from the code belongs to it;
    revoking it (code replay, refresh-token replay, consent withdrawal, password
    change) invalidates all of them at once.
    """

    __tablename__ = "oauth_grant"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_grant_id)
    client_id: Mapped[str] = mapped_column(
        sa.ForeignKey("oauth_client.client_id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"),
                                            index=True)
    scope: Mapped[str] = mapped_column(sa.String(500))
    auth_time: Mapped[int | None]
    acr: Mapped[str | None] = mapped_column(sa.String(64))
    amr: Mapped[list | None] = mapped_column(sa.JSON)
    revoked_at: Mapped[datetime | None]

    account: Mapped[Account] = relationship()


class RefreshToken(TimestampMixin, db.Model, TokenMixin):
    """A refresh token (RFC 6749 §6), single use: each use consumes it and issues the next."""

    __tablename__ = "oauth_refresh_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    grant_id: Mapped[str] = mapped_column(sa.ForeignKey("oauth_grant.id", ondelete="CASCADE"),
                                          index=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    scope: Mapped[str] = mapped_column(sa.String(500))
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    grant: Mapped[Grant] = relationship()

    # --- authlib TokenMixin ---
    def check_client(self, client):
        return self.client_id == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return max(0, int((self.expires_at - self.created_at).total_seconds()))

    def is_expired(self):
        return self.expires_at <= utcnow()

    def is_revoked(self):
        return bool(self.revoked_at or self.consumed_at or self.grant.revoked_at)

    def get_user(self):
        return self.grant.account

    def get_client(self):
        return db.session.scalar(sa.select(OAuthClient).filter_by(client_id=self.client_id))


class RevokedAccessToken(db.Model):
    """An access token (by ``jti``) revoked through RFC 7009 before it expired."""

    __tablename__ = "oauth_revoked_access_token"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AppConsent(TimestampMixin, db.Model):
    """A remembered "yes" of an account to a third-party app for some scopes."""

    __tablename__ = "oauth_app_consent"
    __table_args__ = (sa.UniqueConstraint("account_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(
        sa.ForeignKey("oauth_client.client_id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(sa.String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    client: Mapped[OAuthClient] = relationship()

    def covers(self, scope: str) -> bool:
        """Whether every scope in ``scope`` was already granted."""
        return set(scope_to_list(scope) or []) <= set(scope_to_list(self.scope) or [])

    def extend(self, scope: str) -> None:
        """Add ``scope`` to what was granted."""
        self.scope = list_to_scope(sorted(set(scope_to_list(self.scope) or [])
                                          | set(scope_to_list(scope) or [])))


class ClientView(ClientMixin):
    """An immutable, cacheable snapshot of a client, as Authlib's ``ClientMixin`` sees it.

    Built from a plain row (``clients.load_client``), so a lookup costs no ORM
    identity-map work; nothing outside the request holds on to it.
    """

    __slots__ = ("client_id", "name", "secret_hash", "is_public", "first_party",
                 "redirect_uris", "post_logout_redirect_uris", "scope", "grant_types",
                 "internal", "id_token_signed_response_alg")

    def __init__(self, row: OAuthClient) -> None:
        self.client_id = row.client_id
        self.name = row.name
        self.secret_hash = row.secret_hash
        self.is_public = row.is_public
        self.first_party = row.first_party
        self.redirect_uris = tuple(row.redirect_uris or ())
        self.post_logout_redirect_uris = tuple(row.post_logout_redirect_uris or ())
        self.scope = row.scope
        self.grant_types = tuple(row.grant_types or ())
        self.internal = row.internal
        self.id_token_signed_response_alg = row.id_token_alg or DEFAULT_ALG

    @property
    def client_metadata(self) -> dict:
        return {"post_logout_redirect_uris": list(self.post_logout_redirect_uris),
                "client_name": self.name}

    @property
    def token_endpoint_auth_method(self) -> str:
        return "none" if self.is_public else "client_secret_basic"

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # OIDC requires redirect_uri in every authorization request (Core §3.1.2.1):
        # no default, so a request without one is rejected on the error page.
        return None

    def get_allowed_scope(self, scope):
        """The requested scope if the client may have all of it, else None (``invalid_scope``)."""
        if not scope:
            return ""
        requested = scope_to_list(scope)
        if not set(requested) <= set(scope_to_list(self.scope)):
            return None
        return list_to_scope(requested)

    def check_redirect_uri(self, redirect_uri):
        """Exact string match against the registered URIs (RFC 9700 §4.1.3, ASVS V10)."""
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return matches_digest(self.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        if self.is_public:
            return method == "none"
        return method in CONFIDENTIAL_AUTH_METHODS

    def check_response_type(self, response_type):
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types
