"""Limits on actions that send mail (registration, resend, recovery, consent requests).

Failure counters (:func:`shared.ratelimit.credential_throttle`) guard password
checks; these limits cap how often one address or one client can make us send
mail, so the IdP cannot be used to flood someone's inbox. They share the
limiter's storage (Redis when configured), and keys are hashed addresses.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from limits import parse


def _key(action: str, scope: str, value: str) -> str:
    return f"act:{action}:{scope}:" + hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def allow(action: str, address: str | None) -> bool:
    """Count one ``action`` for ``address`` and the client; return False once either is used up."""
    from idp.extensions import limiter

    if not limiter.enabled:
        return True
    # One pair of settings per action (idp/config.py): <ACTION>_LIMIT_PER_ADDRESS / _PER_IP.
    per_address = parse(current_app.config[f"{action.upper()}_LIMIT_PER_ADDRESS"])
    per_ip = parse(current_app.config[f"{action.upper()}_LIMIT_PER_IP"])
    strategy = limiter.limiter
    ip = request.remote_addr or "-"
    if not strategy.test(per_ip, _key(action, "ip", ip)):
        return False
    if address and not strategy.test(per_address, _key(action, "addr", address)):
        return False
    strategy.hit(per_ip, _key(action, "ip", ip))
    if address:
        strategy.hit(per_address, _key(action, "addr", address))
    return True
