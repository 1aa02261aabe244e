"""The signed session cookie, without repeating work a request does not need (issue 16).

Flask's cookie session checks the HMAC of the cookie and decodes it on every request,
and re-signs and sends it on every response of a permanent session. Here:

* a cookie string whose signature was checked once is remembered with its timestamp
  and decoded payload, so the next request carrying the very same string skips the
  HMAC, base64 and zlib work. Only a byte-identical string hits; its age is checked
  against the session lifetime on every request, exactly as the signer would. This
  caches the cookie's *signature*, never who is signed in: the server-side session
  record is still read on every request (``accounts/access.py``), so sign-out on any
  process takes effect on the next request;
* the cookie is sent only when the session changed. Refreshing an unchanged cookie's
  expiry bought nothing: the server-side record expires a fixed lifetime after sign-in.
"""

from __future__ import annotations

import time

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

#: How many verified cookie strings a process remembers (one per browser session at most).
VERIFIED_COOKIES_MAX = 4096


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session with a per-app memo of verified cookie strings."""

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None  # as Flask's: no sessions without a secret
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        verified: dict = app.extensions["session_cookies"]
        hit = verified.get(value)
        if hit is not None:
            signed_at, payload = hit
            if 0 <= int(time.time()) - signed_at <= max_age:
                # Decoded afresh per request: a view mutating a nested value never
                # changes what the next request sees.
                return self.session_class(self.serializer.loads(payload))
            verified.pop(value, None)  # another thread may have dropped it already
            return self.session_class()
        try:
            # Built only on a miss: Flask builds this serializer afresh on every call.
            data, signed_at = self.get_signing_serializer(app).loads(
                value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(verified) >= VERIFIED_COOKIES_MAX:
            verified.clear()
        verified[value] = (int(signed_at.timestamp()), self.serializer.dumps(data))
        return self.session_class(data)

    def should_set_cookie(self, app: Flask, session: SecureCookieSession) -> bool:
        """Only a changed session is re-signed and sent (no refresh of an unchanged one)."""
        return session.modified


def init_session_cookies(app: Flask) -> None:
    """Install the session interface with its per-app memo (``app.extensions``)."""
    app.extensions["session_cookies"] = {}
    app.session_interface = SessionCookies()
