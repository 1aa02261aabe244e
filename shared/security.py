"""Security helpers both services use: headers, cookie flags, safe redirects."""

from __future__ import annotations

from urllib.parse import urljoin, urlparse

from flask import Flask, request

_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action {form_action}; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")


def csp(form_action: str = "") -> str:
    """The Content-Security-Policy; ``form_action`` adds origins forms may post to."""
    return _CSP.format(form_action=" ".join(["'self'", *form_action.split()]))


def init_security(app: Flask, form_action: str = "") -> None:
    """Add security headers to every response (cookie flags are set in shared.settings).

    ``form_action`` lists origins forms may post to besides this one (the IdP
    posts authorization responses back to registered clients with form_post).
    """
    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp(form_action))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "Cache-Control" not in headers and response.mimetype == "text/html":
            headers["Cache-Control"] = "no-store"  # pages show children's data
        return response


def is_safe_url(target: str | None) -> bool:
    """Return True if ``target`` is a path on this host (for ``next`` redirects)."""
    if not target or target.startswith(("//", "\\")) or "\\" in target:
        return False
    ref = urlparse(request.host_url)
    test = urlparse(urljoin(request.host_url, target))
    return test.scheme in ("http", "https") and ref.netloc == test.netloc


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is safe to redirect to, otherwise ``default``."""
    return target if is_safe_url(target) else default
