"""The OpenID Provider: Authlib's authorization server, grants and endpoints, configured per app.

Nothing here knows about templates, views or the browser session: the
authorization view passes the signed-in user in as an explicit
:class:`~idp.oidc.authentication.Authentication`, and the grants carry their
state on Authlib's request object (``request.user``, ``request.credential``).
:func:`init_oidc` builds one
:class:`authlib.integrations.flask_oauth2.AuthorizationServer` per app (tests
build many apps) and keeps it in ``app.extensions["oidc_server"]``.

Specifications implemented (through Authlib's components):

* RFC 6749 authorization code, refresh token and client credentials grants,
  client authentication ``client_secret_basic`` / ``client_secret_post`` / ``none``;
* RFC 7636 PKCE, S256 only, required for public clients (OAuth 2.1, RFC 9700 §2.1.1);
* OpenID Connect Core 1.0 §3.1 (code flow), ID token (§2), UserInfo (§5.3);
* RFC 9068 JWT access tokens, RFC 7009 revocation, RFC 7662 introspection,
  RFC 9207 ``iss`` in authorization responses, OIDC RP-Initiated Logout 1.0.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from authlib.consts import default_json_headers
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidRequestError, InvalidScopeError, grants
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.errors import RequestNotSupportedError, RequestURINotSupportedError
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import Flask, current_app
from joserfc import jwt
from sqlalchemy import orm

from idp.accounts.models import Account
from idp.extensions import db
from idp.oidc import keys
from idp.oidc.authentication import Authentication
from idp.oidc.clients import query_client
from idp.oidc.constants import (
    ALGORITHMS,
    API_AUDIENCE,
    API_SCOPES,
    CONFIDENTIAL_AUTH_METHODS,
    DEFAULT_ALG,
    SCOPE_CLAIMS,
    SERVICE_SCOPE_AUDIENCES,
    SUPPORTED_SCOPES,
    TOKEN_ENDPOINT_AUTH_METHODS,
)
from idp.oidc.digests import digest
from idp.oidc.models import (
    AuthorizationCode,
    Grant,
    RefreshToken,
    RevokedAccessToken,
    new_grant_id,
)
from idp.oidc.services import revoke_grant
from idp.oidc.tokens import AccessToken, decode_access_token
from shared.database import utcnow


def user_claims(account: Account, scope: str, extra: tuple[str, ...] = ()) -> UserInfo:
    """The claims ``scope`` (plus individually requested ``extra`` claims) releases (Core §5.4)."""
    wanted: set[str] = set(extra)
    for name in scope_to_list(scope) or []:
        wanted.update(SCOPE_CLAIMS.get(name, ()))
    values = {
        "name": lambda: account.name,
        "given_name": lambda: account.given_name,
        "family_name": lambda: account.family_name,
        "locale": lambda: account.locale,
        "email": lambda: account.email,
        "email_verified": lambda: account.email_verified_at is not None,
        "school_accounts": account.school_accounts_claim,
    }
    info = UserInfo(sub=account.sub)
    for name in sorted(wanted):
        if name in values:
            value = values[name]()
            if value is not None:
                info[name] = value
    return info


def requested_claim_names(claims_request: dict | None, member: str) -> tuple[str, ...]:
    """Names asked for in the ``claims`` parameter's ``member`` (Core §5.5)."""
    if not isinstance(claims_request, dict) or not isinstance(claims_request.get(member), dict):
        return ()
    return tuple(name for name in claims_request[member] if isinstance(name, str))


# --------------------------------------------------------------------------- grants

class PKCE(CodeChallenge):
    """RFC 7636 with S256 only, required of every client (RFC 9700 §2.1.1: confidential too)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE (code_challenge, S256) is required for this client.")

    def get_authorization_code_challenge(self, authorization_code):
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code):
        return authorization_code.code_challenge_method


class RequestChecks:
    """Grant extension: reject request objects and unsupported response modes.

    OIDC Core §6: ``request`` / ``request_uri`` are not supported and are refused
    with ``request_not_supported`` / ``request_uri_not_supported`` (§6.1, §6.2).
    OAuth 2.0 Multiple Response Types / Form Post: ``query`` and ``form_post`` only.
    """

    def __call__(self, grant):
        grant.register_hook("after_validate_authorization_request_payload", self.validate)

    def validate(self, grant, redirect_uri):
        data = grant.request.payload.data
        if data.get("request"):
            raise RequestNotSupportedError()
        if data.get("request_uri"):
            raise RequestURINotSupportedError()
        if data.get("response_mode") not in (None, "query", "form_post"):
            raise InvalidRequestError("Unsupported 'response_mode'.")


@dataclass(frozen=True)
class TokenSubject:
    """The owner of a token as Authlib's generator sees it: the account and the grant it is under.

    The generator is called with the user alone, so the grant (kept on the
    request as ``request.credential``) travels with it.
    """

    account: Account
    grant: Grant

    def get_user_id(self) -> str:
        """RFC 9068 §2.2: ``sub`` is the account's OIDC subject, never a row id."""
        return self.account.sub


class GrantTokens:
    """Mixin for the grants whose tokens belong to a stored grant (``request.credential``)."""

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=True):
        return super().generate_token(user=TokenSubject(user, self.request.credential),
                                      scope=scope, grant_type=grant_type, expires_in=expires_in,
                                      include_refresh_token=include_refresh_token)


class AuthorizationCodeGrant(GrantTokens, grants.AuthorizationCodeGrant):
    """RFC 6749 §4.1 with single-use, short-lived, hashed codes bound to client and redirect URI.

    The authorization view passes the resource owner as an :class:`Authentication`
    (``grant_user``, so ``request.user`` at the authorization endpoint); the code
    keeps when and how the user signed in. At the token endpoint the code becomes
    a :class:`Grant`, carried on the request as ``request.credential``.
    """

    TOKEN_ENDPOINT_AUTH_METHODS = list(TOKEN_ENDPOINT_AUTH_METHODS)
    #: The redirect URI of a request this grant object has already validated.
    _validated_redirect_uri: str | None = None

    def validate_authorization_request(self):
        """RFC 6749 §4.1.1 checks, once per request.

        Authlib 1.9 validates the same grant object twice in one request: in
        ``get_consent_grant`` and again in ``create_authorization_response`` (every
        hook again, the nonce-replay query included). The request's parameters cannot
        change in between, so the second call returns the first call's result; a failed
        validation raises and is never remembered.
        """
        if self._validated_redirect_uri is None:
            self._validated_redirect_uri = super().validate_authorization_request()
        return self._validated_redirect_uri

    def generate_authorization_code(self):
        return secrets.token_urlsafe(32)  # 256 bits (checklist: at least 128)

    def save_authorization_code(self, code, request):
        authentication: Authentication = request.user
        data = request.payload.data
        claims_request = None
        if data.get("claims"):
            try:
                claims_request = json.loads(data["claims"])
            except ValueError:
                claims_request = None
        row = AuthorizationCode(
            code_hash=digest(code), client_id=request.client.get_client_id(),
            account_id=authentication.account.id, redirect_uri=request.payload.redirect_uri,
            scope=request.scope, nonce=data.get("nonce"), auth_time=authentication.auth_time,
            acr=authentication.acr, amr=list(authentication.amr), claims_request=claims_request,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method") if data.get(
                "code_challenge") else None,
            expires_at=utcnow() + timedelta(seconds=current_app.config["OIDC_CODE_LIFETIME"]))
        db.session.add(row)
        db.session.flush()

    def query_authorization_code(self, code, client):
        """Find an unexpired, unused code of ``client``; a replayed code revokes its grant.

        RFC 6749 §4.1.2: "If an authorization code is used more than once, the
        authorization server MUST deny the request and SHOULD revoke (when
        possible) all tokens previously issued based on that authorization code."
        """
        # The account comes in the same statement: the grant, the ID token and the
        # claims all need it (one query fewer than a lazy load).
        row = db.session.scalar(sa.select(AuthorizationCode).options(
            orm.joinedload(AuthorizationCode.account)).filter_by(
            code_hash=digest(code), client_id=client.get_client_id()))
        if row is None:
            return None
        if row.used_at is not None:
            revoke_grant(row.grant_id)
            return None
        if row.expires_at <= utcnow():
            return None
        return row

    def delete_authorization_code(self, authorization_code):
        """Nothing left to do: ``authenticate_user`` marked the code used when it claimed it.

        The code is kept (marked used) rather than deleted, so a replay is recognised.
        """

    def authenticate_user(self, authorization_code):
        """Claim the code for this request and open its grant; None if it cannot be had.

        The claim is one conditional UPDATE: of two requests presenting the same code at
        once, only the one that changes the row goes on (RFC 6749 §4.1.2: a code is used
        once), the other is refused with ``invalid_grant``.
        """
        account = authorization_code.account
        if account is None or not account.is_active:
            return None
        grant_id = new_grant_id()
        claimed = db.session.execute(
            sa.update(AuthorizationCode)
            .where(AuthorizationCode.id == authorization_code.id,
                   AuthorizationCode.used_at.is_(None))
            .values(used_at=utcnow(), grant_id=grant_id),
            # Nothing in this request reads the row again: no need to update the object.
            execution_options={"synchronize_session": False}).rowcount
        if claimed != 1:
            return None
        grant = Grant(id=grant_id, client_id=authorization_code.client_id,
                      account_id=account.id, scope=authorization_code.scope,
                      auth_time=authorization_code.auth_time, acr=authorization_code.acr,
                      amr=authorization_code.amr)
        db.session.add(grant)
        self.request.credential = grant
        return account


class RefreshTokenGrant(GrantTokens, grants.RefreshTokenGrant):
    """RFC 6749 §6 with rotation: each refresh token works once (RFC 9700 §4.14.2)."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(TOKEN_ENDPOINT_AUTH_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        row = db.session.scalar(sa.select(RefreshToken).filter_by(
            token_hash=digest(refresh_token)))
        if row is None:
            return None
        if row.consumed_at is not None:
            # A consumed token presented again: stolen or replayed. Revoke the whole family.
            revoke_grant(row.grant_id)
            return None
        if row.is_revoked() or row.is_expired():
            return None
        return row

    def authenticate_user(self, refresh_token):
        account = refresh_token.grant.account
        if account is None or not account.is_active:
            return None
        self.request.credential = refresh_token.grant
        return account

    def revoke_old_credential(self, refresh_token):
        refresh_token.consumed_at = utcnow()
        db.session.flush()


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """RFC 6749 §4.4 for service clients; nothing is stored (the token is a JWT)."""

    def validate_token_request(self):
        super().validate_token_request()
        if self.request.client.get_allowed_scope(self.request.payload.scope) is None:
            raise InvalidScopeError()


class OpenIDCodeExtension(OpenIDCode):
    """OIDC Core §3.1: the ID token, signed with the active key (``kid`` in the header)."""

    def resolve_client_private_key(self, client):
        return keys.signing_key_set(self.get_client_algorithm(client))

    def get_client_algorithm(self, client):
        return client.id_token_signed_response_alg or DEFAULT_ALG

    def get_encode_header(self, client):
        alg = self.get_client_algorithm(client)
        key = keys.key_cache(current_app).get().signing[alg]
        return {"alg": alg, "kid": key.kid, "typ": "JWT"}

    def get_client_claims(self, client):
        now = int(time.time())
        return {"iss": current_app.config["IDP_ISSUER"], "aud": [client.get_client_id()],
                "iat": now, "exp": now + current_app.config["OIDC_ID_TOKEN_LIFETIME"]}

    def exists_nonce(self, nonce, request):
        """A nonce already used with this client is a replay (Core §15.5.2)."""
        return db.session.scalar(sa.select(AuthorizationCode.id).filter_by(
            client_id=request.payload.client_id, nonce=nonce).limit(1)) is not None

    def get_authorization_code_claims(self, authorization_code):
        """The code's claims, plus those its ``claims`` parameter asked for in the ID token (Core §5.5)."""
        claims = super().get_authorization_code_claims(authorization_code)
        names = requested_claim_names(authorization_code.claims_request, "id_token")
        if names:
            claims.update(user_claims(authorization_code.account, "", names))
        return claims

    def generate_user_info(self, user, scope):
        return user_claims(user, scope)


# --------------------------------------------------------------------------- tokens

def _has_api_scope(scope) -> bool:
    return bool(set(scope_to_list(scope) or []) & set(API_SCOPES))


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 access tokens signed with the active key; refresh tokens with offline_access.

    ``user`` is a :class:`TokenSubject` for tokens issued to an account, None for
    client-credentials tokens.
    """

    def get_jwks(self):
        return keys.signing_key_set(self.alg)

    def algorithm_for(self, client, audiences) -> str:
        """The access token's algorithm, chosen by the resource servers that will verify it.

        RS256 is the one algorithm every RFC 9068 resource server must support, so it
        stays the default (``OIDC_ACCESS_TOKEN_ALG``). When every audience is one of the
        project's own resource servers (this issuer's UserInfo, the gradebook's API and
        internal API, a first-party client) the token is signed with
        ``OIDC_OWN_ACCESS_TOKEN_ALG`` (ES256 by default: ~10x less CPU to sign), which
        all of them verify (``gradebook_service/internal_api/tokens.py``).
        """
        config = current_app.config
        own = {config["IDP_ISSUER"], config[API_AUDIENCE],
               *(config[key] for key in SERVICE_SCOPE_AUDIENCES.values())}
        if client.first_party:
            own.add(client.get_client_id())
        names = [audiences] if isinstance(audiences, str) else list(audiences)
        if names and all(name in own for name in names):
            return config["OIDC_OWN_ACCESS_TOKEN_ALG"]
        return config["OIDC_ACCESS_TOKEN_ALG"]

    def access_token_generator(self, client, grant_type, user, scope):
        """Authlib's RFC 9068 token with the algorithm per audience and the cached key.

        Authlib signs with one algorithm per generator and imports a key set on every
        call; here the claims are the same (see ``JWTBearerTokenGenerator``) and the
        imported key comes straight from the key cache, its ``kid`` in the header.
        """
        now = int(time.time())
        claims = {"iss": self.issuer, "exp": now + self._get_expires_in(client, grant_type),
                  "client_id": client.get_client_id(), "iat": now,
                  "jti": self.get_jti(client, grant_type, user, scope), "scope": scope,
                  "sub": str(user.get_user_id()) if user else client.get_client_id(),
                  "aud": self.get_audiences(client, user, scope)}
        for name, value in (("auth_time", self.get_auth_time(user)),
                            ("acr", self.get_acr(user)), ("amr", self.get_amr(user))):
            if value:
                claims[name] = value
        claims.update(self.get_extra_claims(client, grant_type, user, scope))
        alg = self.algorithm_for(client, claims["aud"])
        key = keys.key_cache(current_app).get().signing[alg]
        return jwt.encode({"alg": alg, "typ": "at+jwt", "kid": key.kid}, claims, key,
                          algorithms=[alg])

    def get_audiences(self, client, user, scope):
        if user is not None:
            # The IdP's UserInfo endpoint is the resource the client calls with it, and the
            # gradebook's API when an API scope was granted.
            audiences = [client.get_client_id(), current_app.config["IDP_ISSUER"]]
            if _has_api_scope(scope):
                audiences.append(current_app.config[API_AUDIENCE])
            return audiences
        for name in scope_to_list(scope) or []:
            if name in SERVICE_SCOPE_AUDIENCES:
                return current_app.config[SERVICE_SCOPE_AUDIENCES[name]]
        return client.get_client_id()

    def get_jti(self, client, grant_type, user, scope):
        # 128 bits from os.urandom in one call (Authlib's default draws per character).
        return secrets.token_urlsafe(16)

    def get_extra_claims(self, client, grant_type, user, scope):
        if user is None:
            return {}
        claims = {"gid": user.grant.id}
        if _has_api_scope(scope):
            # The API maps these refs to school accounts, as the SSO callback does.
            claims["school_accounts"] = [{"ref": entry["ref"]} for entry in
                                         user.account.school_accounts_claim()]
        return claims

    def get_auth_time(self, user):
        return user.grant.auth_time if user is not None else None

    def get_amr(self, user):
        return user.grant.amr if user is not None else None

    def get_acr(self, user):
        return user.grant.acr if user is not None else None

    def generate(self, grant_type, client, user=None, scope=None, expires_in=None,
                 include_refresh_token=True):
        # offline_access governs refresh tokens (Core §11).
        include_refresh_token = include_refresh_token and "offline_access" in (
            scope_to_list(scope) or [])
        return super().generate(grant_type, client, user=user, scope=scope,
                                expires_in=expires_in,
                                include_refresh_token=include_refresh_token)


def save_token(token: dict, request) -> None:
    """Store the refresh token's digest under the request's grant; access tokens are JWTs."""
    refresh = token.get("refresh_token")
    if not refresh:
        return
    grant = request.credential
    db.session.add(RefreshToken(
        token_hash=digest(refresh), grant_id=grant.id, client_id=request.client.get_client_id(),
        scope=token.get("scope") or grant.scope,
        expires_at=utcnow() + timedelta(seconds=current_app.config["OIDC_REFRESH_TOKEN_LIFETIME"])))
    db.session.flush()


# --------------------------------------------------------------------------- endpoints

class _TokenLookup:
    """Find a token string among our access tokens (JWT) and refresh tokens (digest)."""

    def query_token(self, token_string, token_type_hint):
        if token_type_hint != "refresh_token":  # noqa: S105 - a token type name
            access = decode_access_token(token_string)
            if access is not None:
                return access
        return db.session.scalar(sa.select(RefreshToken).filter_by(
            token_hash=digest(token_string)))


class Revocation(_TokenLookup, RevocationEndpoint):
    """RFC 7009: revoke a refresh token (its whole grant) or an access token (its ``jti``)."""

    CLIENT_AUTH_METHODS = list(TOKEN_ENDPOINT_AUTH_METHODS)

    def revoke_token(self, token, request):
        if isinstance(token, AccessToken):
            expires = utcnow().fromtimestamp(int(token["exp"]), tz=utcnow().tzinfo)
            if db.session.get(RevokedAccessToken, token["jti"]) is None:
                db.session.add(RevokedAccessToken(jti=token["jti"], expires_at=expires))
        else:
            # RFC 7009 §2.1: revoking a refresh token SHOULD also invalidate the access
            # tokens of the same grant.
            revoke_grant(token.grant_id)
        db.session.flush()


class Introspection(_TokenLookup, IntrospectionEndpoint):
    """RFC 7662 for confidential clients: a client may introspect its own tokens only."""

    CLIENT_AUTH_METHODS = list(CONFIDENTIAL_AUTH_METHODS)

    def check_permission(self, token, client, request):
        """A client may introspect its own tokens; a first-party confidential client also
        those issued for the gradebook's API (the gradebook checking revocation, 5.5)."""
        if token.check_client(client):
            return True
        if not isinstance(token, AccessToken) or client.is_public or not client.first_party:
            return False
        aud = token.get("aud")
        audiences = [aud] if isinstance(aud, str) else list(aud or [])
        return current_app.config[API_AUDIENCE] in audiences

    def introspect_token(self, token):
        if isinstance(token, AccessToken):
            claims = token.claims
            return {"active": True, "token_type": "Bearer", "scope": claims.get("scope", ""),
                    "client_id": claims["client_id"], "sub": claims["sub"],
                    "aud": claims["aud"], "iss": claims["iss"], "exp": claims["exp"],
                    "iat": claims["iat"], "jti": claims["jti"]}
        return {"active": True, "token_type": "refresh_token", "scope": token.scope,
                "client_id": token.client_id, "sub": token.grant.account.sub,
                "iss": current_app.config["IDP_ISSUER"],
                "exp": int(token.expires_at.timestamp()),
                "iat": int(token.created_at.timestamp())}


class AccessTokenValidator(BearerTokenValidator):
    """RFC 6750 bearer tokens: our JWT access tokens, checked for revocation."""

    def authenticate_token(self, token_string):
        return decode_access_token(token_string)


class UserInfo_(UserInfoEndpoint):
    """OIDC Core §5.3: claims of the token's account, by the token's scopes."""

    def __call__(self, request):
        """The claims as JSON; Authlib's lookup of the client (only to sign UserInfo, which
        discovery offers as ``none`` only) is left out: a deleted client's tokens are
        already refused with their grant (``tokens.access_token_revoked``)."""
        token = self.resource_protector.acquire_token("openid")
        return 200, self.generate_user_info(token.get_user(), token.scope), default_json_headers

    def generate_user_info(self, user, scope):
        if user is None or not user.is_active:
            raise InvalidTokenError()
        return user_claims(user, scope)

    def get_issuer(self):
        return current_app.config["IDP_ISSUER"]


class EndSession(EndSessionEndpoint):
    """OIDC RP-Initiated Logout 1.0: the hint must be our own ID token (signature checked)."""

    def get_server_jwks(self):
        return keys.public_key_set()

    def get_algorithms(self):
        return list(ALGORITHMS)

    def resolve_client_from_id_token_claims(self, id_token_claims):
        # Our ID tokens carry ``aud`` as a one-element list.
        aud = id_token_claims.get("aud")
        if isinstance(aud, list) and len(aud) == 1:
            aud = aud[0]
        return self.server.query_client(aud) if isinstance(aud, str) else None

    def end_session(self, end_session_request):
        """Nothing to do here: the view ends the browser session, which the provider never reads."""


class Issuer(IssuerParameter):
    """RFC 9207: ``iss`` in every authorization response (also errors and form_post)."""

    def get_issuer(self):
        return current_app.config["IDP_ISSUER"]


# --------------------------------------------------------------------------- factory

def init_oidc(app: Flask) -> AuthorizationServer:
    """Build the app's authorization server and caches."""
    app.extensions["oidc_keys"] = keys.KeyCache(app)

    server = AuthorizationServer()
    server.init_app(app, query_client=query_client, save_token=save_token)
    server.scopes_supported = list(SUPPORTED_SCOPES)
    generator = AccessTokenGenerator(
        issuer=app.config["IDP_ISSUER"], alg=app.config["OIDC_ACCESS_TOKEN_ALG"],
        refresh_token_generator=lambda **_: secrets.token_urlsafe(32),
        expires_generator=lambda client, grant_type: app.config["OIDC_ACCESS_TOKEN_LIFETIME"])
    server.register_token_generator("default", generator)
    server.register_grant(AuthorizationCodeGrant, [RequestChecks(), PKCE(required=True),
                                                   OpenIDCodeExtension(require_nonce=False)])
    server.register_grant(RefreshTokenGrant)
    server.register_grant(ClientCredentialsGrant)
    server.register_extension(Issuer())
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_endpoint(EndSession)

    protector = ResourceProtector()
    protector.register_token_validator(AccessTokenValidator())
    server.register_endpoint(UserInfo_(resource_protector=protector))
    app.extensions["oidc_server"] = server
    app.extensions["oidc_protector"] = protector
    app.extensions["oidc_token_generator"] = generator
    return server


def authorization_server() -> AuthorizationServer:
    """The current app's authorization server."""
    return current_app.extensions["oidc_server"]

