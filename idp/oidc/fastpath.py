"""Discovery and JWKS straight from memory, in front of Flask (the two hottest public GETs).

Both documents change only when the configuration or the key set changes, are
public, and are fetched by every relying party and resource server. Serving
them from a WSGI middleware skips sessions, CSRF, rate-limit bookkeeping,
language selection and the per-request commit; the key set is still re-checked
against the database every ``OIDC_KEY_CHECK_SECONDS`` (see ``keys.KeyCache``).
"""

from __future__ import annotations

from flask import Flask

from shared.security import CSP

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/oauth/jwks"
_COMMON = [("Cache-Control", "public, max-age=300"), ("Access-Control-Allow-Origin", "*"),
           ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
           ("Referrer-Policy", "no-referrer"),
           ("Content-Security-Policy", CSP.format(form_action="").strip())]


class PublicDocuments:
    """WSGI middleware answering GET/HEAD of discovery and JWKS with ETag and 304."""

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self._discovery: tuple[bytes, str] | None = None

    def _discovery_doc(self, environ) -> tuple[bytes, str]:
        if self._discovery is None:
            from idp.oidc.discovery import document_bytes

            with self.app.request_context(environ):
                self._discovery = document_bytes()
        return self._discovery

    def _jwks_doc(self) -> tuple[bytes, str]:
        from idp.extensions import db
        from idp.oidc.keys import key_cache

        cache = key_cache(self.app)
        snap = cache.fresh()
        if snap is None:
            with self.app.app_context():
                try:
                    snap = cache.get(own_transaction=True)
                    db.session.commit()
                finally:
                    db.session.remove()
        return snap.jwks_body, snap.etag

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or path not in (DISCOVERY_PATH, JWKS_PATH):
            return self.wsgi_app(environ, start_response)
        if path == DISCOVERY_PATH:
            body, etag = self._discovery_doc(environ)
            mimetype = "application/json"
        else:
            body, etag = self._jwks_doc()
            mimetype = "application/jwk-set+json"
        quoted = f'"{etag}"'
        headers = [("ETag", quoted), *_COMMON]
        presented = environ.get("HTTP_IF_NONE_MATCH", "")
        if presented and (presented.strip() == "*" or quoted in
                          [t.strip().removeprefix("W/") for t in presented.split(",")]):
            start_response("304 Not Modified", headers)
            return [b""]
        headers += [("Content-Type", mimetype), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [b"" if method == "HEAD" else body]
