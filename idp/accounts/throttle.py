"""Limits on actions that send mail (registration, resend, recovery, consent requests).

Failure counters (:func:`shared.ratelimit.credential_throttle`) guard password
checks; these limits cap how often one address or one client can make us send
mail, so the IdP cannot be used to flood someone's inbox. They share the
credential throttle's store (the database, or Redis when configured), keys are
hashed addresses, and a browser known for the address has its own allowance.
"""

from __future__ import annotations

from flask import current_app

from idp.accounts.services import LOGIN_SCOPE
from shared.ratelimit import credential_throttle


def allow(action: str, address: str | None) -> bool:
    """Count one ``action`` for ``address`` and the client; return False once either is used up."""
    # One pair of settings per action (idp/config.py): <ACTION>_LIMIT_PER_ADDRESS / _PER_IP.
    config = current_app.config
    return credential_throttle().allow(action, address,
                                       config[f"{action.upper()}_LIMIT_PER_ADDRESS"],
                                       config[f"{action.upper()}_LIMIT_PER_IP"],
                                       known_at=LOGIN_SCOPE)
