"""The endpoints clients call most, served in front of Flask's page machinery.

This module is the only implementation of these three endpoints:

* Discovery (OpenID Connect Discovery 1.0 §4) and the JWKS (RFC 7517) straight
  from memory, with an ETag and 304. Both documents change only when the
  configuration or the key set changes, are public, and are fetched by every
  relying party and resource server. The key set is still re-checked against the
  database every ``OIDC_KEY_CHECK_SECONDS`` (see ``keys.KeyCache``).
* The token endpoint (RFC 6749 §3.2): it is called by clients, never by
  browsers, so it needs no session cookie, CSRF check, language choice, page
  headers or rate-limit bookkeeping (secrets and codes carry 256 bits). A valid
  client-credentials request is answered by ``client_credentials.issue`` in an
  app context; every other request (other grants, every error) goes through
  Authlib's pipeline inside a bare request context, its transaction ended by the
  same rule as every request's (``shared.database.end_transaction``).
"""

from __future__ import annotations

import io

from flask import Flask

from idp.extensions import db
from idp.oidc import client_credentials
from idp.oidc.constants import DISCOVERY_PATH, JWKS_PATH, TOKEN_PATH
from idp.oidc.discovery import document_bytes
from idp.oidc.keys import key_cache
from idp.oidc.server import authorization_server
from shared.database import discard_transaction, end_transaction
from shared.security import csp
from shared.unavailable import UNAVAILABLE_ERRORS, unavailable_response

_COMMON = [("Cache-Control", "public, max-age=300"), ("Access-Control-Allow-Origin", "*"),
           ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
           ("Referrer-Policy", "no-referrer"),
           ("Content-Security-Policy", csp())]
#: The methods each endpoint answers; others get 405 with ``Allow``.
_METHODS = {DISCOVERY_PATH: ("GET", "HEAD"), JWKS_PATH: ("GET", "HEAD"), TOKEN_PATH: ("POST",)}


def _buffered_body(environ) -> bytes | None:
    """Read a short request body and put it back for the pipeline; None if it is not short.

    A body without ``Content-Length`` (chunked) or longer than the simple
    client-credentials request is left unread for the pipeline, whose own limits apply.
    """
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 < length <= client_credentials.MAX_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


class ProtocolFastPath:
    """WSGI middleware: discovery and JWKS (GET/HEAD, ETag, 304) and the token endpoint."""

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self._discovery: tuple[bytes, str] | None = None

    def _discovery_doc(self, environ) -> tuple[bytes, str]:
        if self._discovery is None:
            with self.app.request_context(environ):  # url_for needs the request's host
                self._discovery = document_bytes()
        return self._discovery

    def _jwks_doc(self) -> tuple[bytes, str]:
        cache = key_cache(self.app)
        snap = cache.fresh()
        if snap is None:
            with self.app.app_context():  # read only: missing keys commit on their own
                snap = cache.get(own_transaction=True)
        return snap.jwks_body, snap.etag

    def _token(self, environ, start_response):
        body = _buffered_body(environ)
        if body is not None:
            with self.app.app_context():
                answer = self._client_credentials(environ, body)
            if answer is not None:
                start_response("200 OK", [*client_credentials.HEADERS,
                                          ("Content-Length", str(len(answer)))])
                return [answer]
        return self._token_pipeline(environ, start_response)

    def _client_credentials(self, environ, body: bytes) -> bytes | None:
        """A valid client-credentials request's answer; None hands it to the pipeline.

        Reads the client on a connection of its own and commits nothing (the grant
        stores nothing). A database failure also hands over: the pipeline then
        answers 503 as every request does.
        """
        try:
            key_cache(self.app).get(own_transaction=True)
            with db.engine.connect() as connection:
                return client_credentials.issue(self.app, connection, environ, body)
        except UNAVAILABLE_ERRORS:
            return None

    def _token_pipeline(self, environ, start_response):
        """Every other token request, through Authlib's grants, in a bare request context."""
        with self.app.request_context(environ):
            try:
                key_cache(self.app).get(own_transaction=True)
                response = authorization_server().create_token_response()
            except UNAVAILABLE_ERRORS:  # the database is down: 503, as on every other path
                discard_transaction(db)
                response = unavailable_response()
            except Exception as exc:  # the same 500 handling as any other request
                db.session.rollback()
                response = self.app.make_response(self.app.handle_exception(exc))
            else:
                end_transaction(db, response.status_code)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Cache-Control", "no-store")
            return response(environ, start_response)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        methods = _METHODS.get(path)
        if methods is None:
            return self.wsgi_app(environ, start_response)
        method = environ.get("REQUEST_METHOD")
        if method not in methods:
            start_response("405 METHOD NOT ALLOWED", [("Allow", ", ".join(methods)),
                                                      ("Content-Length", "0")])
            return [b""]
        if path == TOKEN_PATH:
            return self._token(environ, start_response)
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
