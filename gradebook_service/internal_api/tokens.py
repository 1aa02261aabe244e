"""Verify the IdP's JWT access tokens (RFC 9068) with keys from its JWKS.

The keys are found through the IdP's discovery document
(``{IDP_ISSUER}/.well-known/openid-configuration`` → ``jwks_uri``), cached, and
fetched again when a token names a key id the cache does not know (key
rotation), at most once per :data:`REFETCH_INTERVAL`.
"""

from __future__ import annotations

import threading
import time

import requests
from flask import Flask, current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
CACHE_SECONDS = 600
REFETCH_INTERVAL = 10.0
ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt"}
LEEWAY = 30


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
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        discovery = requests.get(self.issuer + "/.well-known/openid-configuration", timeout=5)
        discovery.raise_for_status()
        jwks_uri = discovery.json()["jwks_uri"]
        response = requests.get(jwks_uri, timeout=5)
        response.raise_for_status()
        data = response.json()
        self._keys = KeySet.import_key_set(data)
        self._kids = {k.get("kid") for k in data.get("keys", []) if k.get("kid")}
        self._fetched_at = time.monotonic()

    def keys_for(self, kid: str | None) -> KeySet:
        """The key set, refreshed when stale or when ``kid`` is unknown."""
        with self._lock:
            now = time.monotonic()
            stale = self._keys is None or now - self._fetched_at > CACHE_SECONDS
            unknown = kid is not None and kid not in self._kids \
                and now - self._fetched_at > REFETCH_INTERVAL
            if stale or unknown:
                try:
                    self._fetch()
                except (requests.RequestException, ValueError, KeyError, JoseError) as exc:
                    if self._keys is None:
                        raise TokenRejected("jwks_unavailable") from exc
            return self._keys


def init_token_verifier(app: Flask) -> None:
    app.extensions["idp_jwks"] = JwksCache(app.config["IDP_ISSUER"])


def _unverified_header(raw: str) -> dict:
    import base64
    import json

    try:
        head = raw.split(".")[0]
        return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, IndexError) as exc:
        raise TokenRejected("malformed") from exc


def verify_access_token(raw: str, required_scope: str) -> dict:
    """Return the claims of a valid access token carrying ``required_scope``.

    Checks (RFC 9068 section 4): ``typ`` is ``at+jwt``; the signature with a key
    of the IdP's JWKS (asymmetric algorithms only, never ``none``/HMAC); ``iss``
    equals IDP_ISSUER; ``aud`` contains GRADEBOOK_URL; ``exp`` in the future.
    """
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
    scope = claims.get("scope", "")
    scopes = set(scope.split()) if isinstance(scope, str) else set(scope or [])
    if required_scope not in scopes:
        raise InsufficientScope("scope")
    return claims
