"""Throttling: Flask-Limiter for request rates, and failure counters for credential checks.

Storage is in memory by default and Redis when ``REDIS_URL`` is set, so several
processes share their counters. Credential checks count *failures* per account
and per client address: an attacker guessing one account's password, or trying
many accounts from one address, is slowed down either way, while the error
shown stays the same as for a wrong password.
"""

from __future__ import annotations

import hashlib

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse


def make_limiter() -> Limiter:
    """Create an unbound limiter keyed by client address."""
    return Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def init_limiter(app: Flask, limiter: Limiter) -> None:
    """Configure storage from ``REDIS_URL`` (memory otherwise) and bind ``limiter``."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.name)
    limiter.init_app(app)
    app.extensions["credential_throttle"] = CredentialThrottle(limiter, app.config)


def _digest(value: str) -> str:
    # Hash identifiers so e-mail addresses and logins never appear in Redis keys.
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


class CredentialThrottle:
    """Failure counters for one kind of credential check (login, verify, recovery …)."""

    def __init__(self, limiter: Limiter, config) -> None:
        self._limiter = limiter
        self._prefix = config["RATELIMIT_KEY_PREFIX"]
        self.per_account = parse(config["THROTTLE_PER_ACCOUNT"])
        self.per_ip = parse(config["THROTTLE_PER_IP"])

    def _key(self, scope: str, value: str) -> str:
        return f"{self._prefix}:fail:{scope}:{_digest(value)}"

    @property
    def _strategy(self):
        return self._limiter.limiter

    def blocked(self, scope: str, account: str | None, ip: str | None = None) -> bool:
        """Return True when the account or the address has used up its failures."""
        ip = ip if ip is not None else request.remote_addr or "-"
        if not self._limiter.enabled:
            return False
        if account and not self._strategy.test(self.per_account, self._key(scope, account)):
            return True
        return not self._strategy.test(self.per_ip, self._key(scope + ":ip", ip))

    def failed(self, scope: str, account: str | None, ip: str | None = None) -> None:
        """Count one failure against the account and the address."""
        ip = ip if ip is not None else request.remote_addr or "-"
        if not self._limiter.enabled:
            return
        if account:
            self._strategy.hit(self.per_account, self._key(scope, account))
        self._strategy.hit(self.per_ip, self._key(scope + ":ip", ip))

    def succeeded(self, scope: str, account: str) -> None:
        """Forget the account's failures after a successful check."""
        if self._limiter.enabled:
            self._strategy.clear(self.per_account, self._key(scope, account))


def credential_throttle() -> CredentialThrottle:
    """Return the current app's credential throttle."""
    return current_app.extensions["credential_throttle"]
