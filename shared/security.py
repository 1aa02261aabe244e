"""Security helpers both services use: headers, cookie flags, safe redirects."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action {form_action}; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")


def csp(form_action: str = "") -> str:
    """The Content-Security-Policy; ``form_action`` adds origins forms may post to."""
    return _CSP.format(form_action=" ".join(["'self'", *form_action.split()]))


def init_security(app: Flask, form_action: str = "") -> None:
    """Add security headers to every response (cookie flags are set in shared.settings).

    ``form_action`` lists origins forms may post to besides this one (the IdP
    posts authorization responses back to registered clients with form_post).
    Behind ``TRUSTED_PROXIES`` proxies, the client address and scheme come from
    their X-Forwarded-For/-Proto (only that many hops are believed).
    """
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    # Built once: formatting the policy on every response showed up in request profiles.
    fixed = (("Content-Security-Policy", csp(form_action)), ("X-Content-Type-Options", "nosniff"),
             ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"),
             ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        for name, value in fixed:
            headers.setdefault(name, value)
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "Cache-Control" not in headers and response.mimetype == "text/html":
            headers["Cache-Control"] = "no-store"  # pages show children's data
        return response


#: Longer ``next`` values are refused (the default is used): nothing legitimate is that long.
MAX_NEXT_LENGTH = 2048


def _only_printable(text: str) -> bool:
    # Browsers drop tabs and newlines inside URLs and trim spaces and controls at
    # the ends, so "/\t/host" becomes "//host": refuse any of them outright.
    return all(c.isprintable() and not c.isspace() for c in text)


def _is_local_path(target: object) -> bool:
    """True if ``target`` is a path on this site, however a browser would read it."""
    if not isinstance(target, str) or not target or len(target) > MAX_NEXT_LENGTH:
        return False
    if not _only_printable(target) or "\\" in target:
        return False
    parts = urlsplit(target)
    # The path once decoded too (%2F%2Fhost, /%5Chost): a proxy or framework may decode it.
    for path in (target, unquote(parts.path)):
        if not path.startswith("/") or path.startswith(("//", "/\\")):
            return False
        if "\\" in path or not _only_printable(path):
            return False
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, otherwise ``default`` (no open redirect).

    Only a relative reference starting with exactly one ``/`` passes: no scheme
    (``http:/host``), no authority (``//host``, ``/\\host``, ``\\\\host``), no
    whitespace or control characters, and the same for its percent-decoded form.
    """
    return target if _is_local_path(target) else default
