"""Digests of the provider's random secrets: client secrets, authorization codes, refresh tokens.

SHA-256, not argon2: each of these carries 256 bits from ``secrets.token_urlsafe(32)``,
so there is nothing to brute-force and a slow hash only buys cost — argon2 at
OWASP's parameters takes ~25 ms per check, which would cap the token endpoint
at ~40 requests/s per core. Stored digests are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac


def digest(value: str) -> str:
    """Return the hex SHA-256 digest under which a secret, code or token is stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def matches_digest(stored: str | None, given: str | None) -> bool:
    """Compare a presented secret with its stored digest in constant time."""
    if not stored or not given:
        return False
    return hmac.compare_digest(stored, digest(given))
