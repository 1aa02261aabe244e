"""Verify the IdP's JWT access tokens (RFC 9068) with keys from its JWKS.

Used by the back channel (5.3) and the JSON API (5.5): :func:`bearer_token` reads
the ``Authorization`` header (RFC 6750 §2.1), :func:`verify_access_token` checks
the token, :func:`www_authenticate` builds the challenge of a refusal (§3). The keys
are found through the IdP's discovery document
(``{IDP_ISSUER}/.well-known/openid-configuration`` → ``jwks_uri``), cached, and
fetched again when a token names a key id the cache does not know (key
rotation), at most once per :data:`REFETCH_INTERVAL`.

The three HTTP calls use the standard library (:func:`_fetch_json`): ``requests``
and its dependencies cost every worker ~8 MiB for calls made once per key rotation.
joserfc (with cryptography's JOSE keys, ~9 MiB) is imported by the first token
checked, so a worker that serves only family pages never loads it (issue 16).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.client import HTTPException
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, request

if TYPE_CHECKING:
    from joserfc.jwk import KeySet

ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
CACHE_SECONDS = 600
REFETCH_INTERVAL = 10.0
ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt"}
LEEWAY = 30
HTTP_TIMEOUT = 5
#: What a failed call to the IdP raises: no answer, a refused or broken connection, an HTTP
#: error status (urllib's HTTPError is an OSError), a body that is not JSON.
HTTP_ERRORS = (OSError, HTTPException, ValueError)


def _fetch_json(url: str, form: dict | None = None, auth: tuple[str, str] | None = None):
    """GET ``url`` (POST ``form`` when given) and return the JSON answer; raise on any failure.

    Only http(s) URLs are opened: ``jwks_uri`` comes from the IdP's discovery document,
    and urllib would otherwise also open ``file:`` and ``ftp:`` URLs.
    """
    import urllib.request  # loaded by the first key fetch, not by every worker

    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    headers = {"Accept": "application/json"}
    if auth is not None:
        pair = f"{auth[0]}:{auth[1]}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    data = urlencode(form).encode() if form is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers),  # noqa: S310 - scheme checked above
                                timeout=HTTP_TIMEOUT) as response:
        return json.loads(response.read())


class TokenRejected(Exception):
    """The bearer token is missing, malformed, forged, expired or for someone else."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InsufficientScope(TokenRejected):
    """A valid token without the scope this endpoint needs."""


class JwksCache:
    """The IdP's signing keys, fetched over HTTP and kept for a while."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self._keys: KeySet | None = None
        self._kids: set[str] = set()
        self._fetched_at = 0.0
        self._discovery: dict | None = None
        self._lock = threading.Lock()

    def discovery(self) -> dict:
        """The IdP's discovery document (fetched once per process)."""
        if self._discovery is None:
            self._discovery = _fetch_json(self.issuer + "/.well-known/openid-configuration")
        return self._discovery

    def _fetch(self) -> None:
        from joserfc.jwk import KeySet

        data = _fetch_json(self.discovery()["jwks_uri"])
        self._keys = KeySet.import_key_set(data)
        self._kids = {k.get("kid") for k in data.get("keys", []) if k.get("kid")}
        self._fetched_at = time.monotonic()

    def keys_for(self, kid: str | None) -> KeySet:
        """The key set, refreshed when stale or when ``kid`` is unknown."""
        from joserfc.errors import JoseError

        with self._lock:
            now = time.monotonic()
            stale = self._keys is None or now - self._fetched_at > CACHE_SECONDS
            unknown = kid is not None and kid not in self._kids \
                and now - self._fetched_at > REFETCH_INTERVAL
            if stale or unknown:
                try:
                    self._fetch()
                except (*HTTP_ERRORS, KeyError, JoseError) as exc:
                    if self._keys is None:
                        raise TokenRejected("jwks_unavailable") from exc
            return self._keys


def init_token_verifier(app: Flask) -> None:
    app.extensions["idp_jwks"] = JwksCache(app.config["IDP_ISSUER"])


def bearer_token() -> str | None:
    """The request's bearer token (RFC 6750 §2.1), or None when there is none."""
    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return raw.strip()


def www_authenticate(error: str | None, scope: str | None = None) -> str:
    """The ``WWW-Authenticate`` challenge of a refused request (RFC 6750 §3)."""
    params = [f'realm="{current_app.config["GRADEBOOK_URL"]}"']
    if error:
        params.append(f'error="{error}"')
    if scope:
        params.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(params)


def token_scopes(claims: dict) -> set[str]:
    """The scopes a verified token carries (RFC 9068 §2.2.3: a space-separated string)."""
    scope = claims.get("scope", "")
    return set(scope.split()) if isinstance(scope, str) else set(scope or [])


def _introspection_active(raw: str) -> bool:
    """Ask the IdP whether the token is still active (RFC 7662), e.g. not revoked."""
    config = current_app.config
    discovery = current_app.extensions["idp_jwks"].discovery()
    try:
        answer = _fetch_json(
            discovery["introspection_endpoint"], form={"token": raw, "token_type_hint": "access_token"},
            auth=(config["GRADEBOOK_OIDC_CLIENT_ID"], config["GRADEBOOK_OIDC_CLIENT_SECRET"]))
        return answer.get("active") is True
    except (*HTTP_ERRORS, KeyError) as exc:
        raise TokenRejected("introspection_unavailable") from exc


def _unverified_header(raw: str) -> dict:
    try:
        head = raw.split(".")[0]
        return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, IndexError) as exc:
        raise TokenRejected("malformed") from exc


def verify_access_token(raw: str, required_scope: str | None) -> dict:
    """Return the claims of a valid access token carrying ``required_scope`` (if given).

    Checks (RFC 9068 section 4): ``typ`` is ``at+jwt``; the signature with a key
    of the IdP's JWKS (asymmetric algorithms only, never ``none``/HMAC); ``iss``
    equals IDP_ISSUER; ``aud`` contains GRADEBOOK_URL; ``exp`` in the future; with
    API_TOKEN_INTROSPECTION, the IdP still calls it active (not revoked).
    """
    from joserfc import jwt
    from joserfc.errors import JoseError

    config = current_app.config
    if not raw or raw.count(".") != 2:
        raise TokenRejected("malformed")
    header = _unverified_header(raw)
    if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
        raise TokenRejected("not_an_access_token")
    if header.get("alg") not in ALGORITHMS:
        raise TokenRejected("algorithm")
    keys = current_app.extensions["idp_jwks"].keys_for(header.get("kid"))
    try:
        token = jwt.decode(raw, keys, algorithms=ALGORITHMS)
    except (JoseError, ValueError) as exc:
        raise TokenRejected("signature") from exc
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY, iss={"essential": True, "value": config["IDP_ISSUER"]},
        exp={"essential": True})
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise TokenRejected("claims") from exc
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if config["GRADEBOOK_URL"] not in [str(a).rstrip("/") for a in audiences]:
        raise TokenRejected("audience")
    if config["API_TOKEN_INTROSPECTION"] and claims.get("sub") != claims.get("client_id") \
            and not _introspection_active(raw):
        raise TokenRejected("inactive")
    if required_scope is not None and required_scope not in token_scopes(claims):
        raise InsufficientScope("scope")
    return claims
