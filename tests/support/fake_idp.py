"""An IdP's discovery, JWKS and introspection over real HTTP on loopback, and tokens it signs.

The gradebook verifies access tokens against it exactly as against the IdP: it reads
discovery, fetches the JWKS (keys can be rotated) and, when configured, introspects.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from joserfc import jwt
from joserfc.jwk import RSAKey

from shared.mailcatcher import free_port


class FakeIdp:
    """Serves ``/.well-known/openid-configuration``, ``/jwks.json`` and ``/introspect``."""

    def __init__(self, audience: str, claims: dict, port: int | None = None) -> None:
        self.port = port or free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.audience = audience
        self.claims = claims
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})]
        self.requests = 0
        self.revoked: set[str] = set()
        self.introspected: list[str] = []
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, body: dict | None) -> None:
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                idp.requests += 1
                if self.path == "/.well-known/openid-configuration":
                    self._send({"issuer": idp.issuer, "jwks_uri": idp.issuer + "/jwks.json",
                                "introspection_endpoint": idp.issuer + "/introspect"})
                elif self.path == "/jwks.json":
                    self._send({"keys": [k.as_dict(private=False) for k in idp.keys]})
                else:
                    self._send(None)

            def do_POST(self):  # noqa: N802
                if self.path != "/introspect" or "Authorization" not in self.headers:
                    self._send(None)
                    return
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                token = form.get("token", [""])[0]
                idp.introspected.append(token)
                self._send({"active": token not in idp.revoked})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, key=None, *, typ="at+jwt", alg="RS256", **overrides) -> str:
        """A signed access token: the default claims, then ``overrides`` (None removes one)."""
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": [self.audience], "iat": now, "exp": now + 300,
                  "jti": f"{now}-{time.perf_counter_ns()}", **self.claims}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = key or self.keys[0]
        header = {"alg": alg, "typ": typ, "kid": key.kid}
        return jwt.encode(header, claims, key, algorithms=[alg])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
