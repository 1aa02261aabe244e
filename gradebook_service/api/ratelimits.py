"""Request quotas per client application and per user, in the shared throttle store.

The counters live where the credential throttles live (``shared/ratelimit.py``: memory,
or Redis with ``REDIS_URL``), so every process of the deployment counts together. The
answer names both policies and the nearer limit (draft-ietf-httpapi-ratelimit-headers):
``RateLimit-Policy: "client";q=600;w=60, "user";q=120;w=60`` and ``RateLimit: "user";r=119;t=60``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from limits import RateLimitItem, parse

from gradebook_service.api.caller import Caller
from gradebook_service.api.errors import TooManyRequests
from gradebook_service.extensions import limiter
from shared.throttle_store import store_errors

log = logging.getLogger(__name__)

#: Seconds a writing client is asked to wait while the quota store is unreachable.
STORE_DOWN_RETRY = 30


def _policies() -> list[tuple[str, RateLimitItem, str]]:
    config = current_app.config
    return [("client", parse(config["API_RATE_LIMIT_CLIENT"]), "client"),
            ("user", parse(config["API_RATE_LIMIT_USER"]), "user")]


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}:api:{kind}:{digest}"


def count_request(caller: Caller) -> dict[str, str]:
    """Count this request against the client's and the user's quota; the headers to send.

    Raises :class:`TooManyRequests` (with the same headers and ``Retry-After``) when
    either quota is used up; a refused request is not counted. While Redis is down,
    reads go through uncounted (fail open) and writes are refused (fail closed).
    """
    if not limiter.enabled:
        return {}
    try:
        return _count(caller)
    except store_errors() as exc:
        log.warning("API quota store unreachable: %s", type(exc).__name__)
        if request.method in ("GET", "HEAD"):
            return {}
        raise TooManyRequests("The quota store is unreachable; try again later.",
                              retry_after=STORE_DOWN_RETRY, rate_headers={}) from exc


def _count(caller: Caller) -> dict[str, str]:
    strategy = limiter.limiter
    keys = {"client": _key("client", caller.client_id),
            "user": _key("user", f"{caller.client_id} {caller.sub}")}
    policy, nearest, blocked = [], None, False
    for name, item, kind in _policies():
        policy.append(f'"{name}";q={item.amount};w={item.get_expiry()}')
        if not strategy.test(item, keys[kind]):
            blocked = True
        reset, remaining = strategy.get_window_stats(item, keys[kind])
        left = max(0, math.ceil(reset - time.time()))
        if nearest is None or remaining < nearest[1]:
            nearest = (name, remaining, left)
    if not blocked:
        for _name, item, kind in _policies():
            strategy.hit(item, keys[kind])
        nearest = (nearest[0], max(0, nearest[1] - 1), nearest[2])
    headers = {"RateLimit-Policy": ", ".join(policy),
               "RateLimit": f'"{nearest[0]}";r={nearest[1]};t={nearest[2]}'}
    if blocked:
        raise TooManyRequests(_l("Too many requests for this application or user; try again "
                                 "later."),
                              retry_after=max(1, nearest[2]), rate_headers=headers)
    return headers


#: The documentation (OpenAPI document and docs page) needs no token: it is counted per
#: client address instead, so generating it cannot be used to load the register.
DOCS_LIMIT = "60 per minute"


def count_document_request() -> dict[str, str]:
    """Count a request for the documentation against the address's quota; the headers.

    Raises :class:`TooManyRequests` when the address has used up its quota.
    """
    if not limiter.enabled:
        return {}
    item = parse(DOCS_LIMIT)
    key = _key("docs", request.remote_addr or "")
    allowed = limiter.limiter.hit(item, key)
    reset, remaining = limiter.limiter.get_window_stats(item, key)
    left = max(0, math.ceil(reset - time.time()))
    headers = {"RateLimit-Policy": f'"docs";q={item.amount};w={item.get_expiry()}',
               "RateLimit": f'"docs";r={remaining};t={left}'}
    if not allowed:
        raise TooManyRequests(_l("Too many requests for the documentation; try again later."),
                              retry_after=max(1, left), rate_headers=headers)
    return headers
