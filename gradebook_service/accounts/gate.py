"""The first-login gate: until the issued password is replaced, the terms accepted and (for
staff) a second factor enrolled, no page but those steps is reachable.

It runs before every request of the app (not per blueprint), so pages added by
other packages are covered without doing anything.
"""

from __future__ import annotations

from flask import Flask, jsonify, redirect, request, url_for

from gradebook_service.accounts.access import current_account
from gradebook_service.accounts.session import pending_step

#: Endpoints reachable while a step is pending (besides the pending step itself).
ALLOWED = {"accounts.logout", "accounts.verify_email", "accounts.terms", "static",
           "shared.static", "core.health", "auth.sso_callback", "accounts.login",
           "accounts.static"}
#: Endpoints that enrol another second factor, reachable while the TOTP step is pending.
SECOND_FACTOR_ALTERNATIVES = {"passkeys.manage", "passkeys.register_options",
                              "passkeys.register"}  # the script is shared.static


def init_gate(app: Flask) -> None:
    """Install the gate on ``app``."""

    @app.before_request
    def first_login_gate():
        if request.path.startswith("/internal/"):
            return None  # bearer-token API, no session
        if request.endpoint in ALLOWED:
            return None
        account = current_account()
        if account is None:
            return None
        step = pending_step(account)
        if step is None or request.endpoint == step:
            return None
        if step == "accounts.totp_setup" and request.endpoint in SECOND_FACTOR_ALTERNATIVES:
            return None
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            response = jsonify(type="about:blank", title="Forbidden", status=403,
                               detail="Finish the first sign-in steps first.")
            response.status_code = 403
            response.mimetype = "application/problem+json"
            return response
        return redirect(url_for(step), code=303)
