"""Throttling: Flask-Limiter for request rates, and failure counters for credential checks.

Credential checks follow OWASP's device-cookie approach, so nobody can aim a
lockout at someone else:

* a browser that passed the check for an account before holds a signed **device
  cookie** for it; its failures count against that cookie only, and failures from
  anywhere else never block it;
* failures from unknown browsers count **per account** (those browsers are then
  refused for the account) and **per client address** (sized for a school behind
  one NAT address; known browsers are not counted or blocked there).

Counters live in the service's database, shared by every process
(:mod:`shared.throttle_store`), or in Redis when ``REDIS_URL`` is set. The
error shown stays the same as for a wrong credential.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, after_this_request, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse

from shared.throttle_store import DatabaseStore, LimitsStore
from shared.tokens import TokenError, TokenPurpose, TokenService

#: How long a browser stays known after its last successful check.
DEVICE_COOKIE_DAYS = 180
DEVICE_PURPOSE = TokenPurpose("edz-device-cookie", DEVICE_COOKIE_DAYS * 86400)


def make_limiter() -> Limiter:
    """Create an unbound limiter keyed by client address.

    Its request rates fail open when Redis is down (``swallow_errors``: reading the
    register goes on); the credential throttle fails closed (``LimitsStore``).
    """
    return Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True,
                   swallow_errors=True)


def init_limiter(app: Flask, limiter: Limiter, db=None, counter_model=None) -> None:
    """Bind ``limiter`` (Redis or memory) and the credential throttle (Redis or the database)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.name)
    limiter.init_app(app)
    store = (LimitsStore(limiter.storage) if app.config["REDIS_URL"] or counter_model is None
             else DatabaseStore(app, db, counter_model))
    app.extensions["credential_throttle"] = CredentialThrottle(limiter, store, app.config)


def digest(value: str) -> str:
    """A hashed identifier, so e-mail addresses and logins never appear in keys or cookies."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


class _Rate:
    """``N per period`` as an amount and a window."""

    def __init__(self, text: str) -> None:
        item = parse(text)
        self.amount = item.amount
        self.window = timedelta(seconds=item.get_expiry())


class CredentialThrottle:
    """Failure counters for credential checks (login, second factor, recovery …)."""

    def __init__(self, limiter: Limiter, store, config) -> None:
        self._limiter = limiter
        self._store = store
        self._prefix = config["RATELIMIT_KEY_PREFIX"]
        self._cookie_prefix = f"edz_{self._prefix}_device_"
        self._secure = config["SESSION_COOKIE_SECURE"]
        self.per_account = _Rate(config["THROTTLE_PER_ACCOUNT"])
        self.per_ip = _Rate(config["THROTTLE_PER_IP"])
        self.per_device = _Rate(config["THROTTLE_PER_DEVICE"])

    # ---------------------------------------------------------------- device cookies

    def _cookie_name(self, scope: str, account: str) -> str:
        return self._cookie_prefix + digest(f"{scope}\x1f{account}")[:16]

    def _tokens(self) -> TokenService:
        return TokenService(current_app.config["SECRET_KEY"], DEVICE_PURPOSE)

    def known_device(self, scope: str, account: str | None) -> str | None:
        """The id of this browser's valid device cookie for ``account`` at ``scope``, or None.

        A browser becomes known per check: passing the password does not make it
        known for the second factor.
        """
        if not account:
            return None
        raw = request.cookies.get(self._cookie_name(scope, account))
        if not raw:
            return None
        try:
            data = self._tokens().loads(raw)
        except TokenError:
            return None
        if data.get("a") != digest(f"{scope}\x1f{account}") or not isinstance(data.get("n"), str):
            return None  # a cookie for another account: bound to the one it was issued for
        return data["n"]

    def _remember_device(self, scope: str, account: str) -> None:
        nonce = self.known_device(scope, account) or secrets.token_urlsafe(16)
        value = self._tokens().dumps({"a": digest(f"{scope}\x1f{account}"), "n": nonce})
        name, secure = self._cookie_name(scope, account), self._secure or request.is_secure

        @after_this_request
        def set_device_cookie(response):
            response.set_cookie(name, value, max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True,
                                secure=secure, samesite="Lax")
            return response

    # ---------------------------------------------------------------- counters

    def _key(self, scope: str, kind: str, value: str) -> str:
        return f"{self._prefix}:fail:{scope}:{kind}:{digest(value)}"

    def blocked(self, scope: str, account: str | None, ip: str | None = None) -> bool:
        """True when this browser may not try ``account`` now (see the module docstring)."""
        if not self._limiter.enabled:
            return False
        device = self.known_device(scope, account)
        if device is not None:
            return self._store.count(self._key(scope, "dev", device)) >= self.per_device.amount
        ip = ip if ip is not None else request.remote_addr or "-"
        if account and self._store.count(self._key(scope, "acct", account)) \
                >= self.per_account.amount:
            return True
        return self._store.count(self._key(scope, "ip", ip)) >= self.per_ip.amount

    def failed(self, scope: str, account: str | None, ip: str | None = None) -> None:
        """Count one failure: against the device cookie, or the account and the address."""
        if not self._limiter.enabled:
            return
        device = self.known_device(scope, account)
        if device is not None:
            self._store.hit(self._key(scope, "dev", device), self.per_device.window)
            return
        ip = ip if ip is not None else request.remote_addr or "-"
        if account:
            self._store.hit(self._key(scope, "acct", account), self.per_account.window)
        self._store.hit(self._key(scope, "ip", ip), self.per_ip.window)

    def succeeded(self, scope: str, account: str) -> None:
        """Forget the account's failures and make this browser known for ``account``."""
        if not self._limiter.enabled:
            return
        device = self.known_device(scope, account)
        if device is not None:
            self._store.clear(self._key(scope, "dev", device))
        self._store.clear(self._key(scope, "acct", account))
        self._remember_device(scope, account)

    # ---------------------------------------------------------------- actions that send mail

    def allow(self, action: str, address: str | None, per_address: str, per_ip: str,
              known_at: str | None = None) -> bool:
        """Count one ``action`` (a mail sent) for ``address``; False once its allowance is used.

        A browser known for ``address`` (by the check ``known_at``, e.g. the sign-in)
        has an allowance of its own, so requests by someone else for that address
        never stop its owner.
        """
        if not self._limiter.enabled:
            return True
        device = self.known_device(known_at, address) if known_at else None
        rates = [(self._key(action, "dev", device), _Rate(per_address))] if device else [
            (self._key(action, "ip", request.remote_addr or "-"), _Rate(per_ip)),
            *([(self._key(action, "addr", address), _Rate(per_address))] if address else [])]
        if any(self._store.count(key) >= rate.amount for key, rate in rates):
            return False
        for key, rate in rates:
            self._store.hit(key, rate.window)
        return True


def credential_throttle() -> CredentialThrottle:
    """Return the current app's credential throttle."""
    return current_app.extensions["credential_throttle"]
