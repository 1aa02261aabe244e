"""RFC 6749 §4.4 client credentials: the well-formed request answered without Authlib's pipeline.

Service clients (the IdP's own back channel, other school systems) call the token
endpoint with ``grant_type=client_credentials`` many times a minute. Authlib's
generic pipeline spends ~1,300 Python calls on such a request (a Flask request
context, an OAuth2 request object, grant discovery over every registered grant,
hooks) before it signs anything. This module accepts exactly one shape of request
and decides it with the same checks, on the same client methods
(:class:`~idp.oidc.models.ClientView`) and with the same token generator:

* ``Content-Type: application/x-www-form-urlencoded``, a body of ``grant_type`` and
  at most one ``scope``, each once (RFC 6749 §3.2: no repeated parameters), and no
  query string (Authlib reads parameters from it too);
* ``client_secret_basic`` (RFC 6749 §2.3.1; the only method Authlib allows this
  grant), a confidential client whose secret matches, registered for the grant;
* a scope the server supports and the client may have (RFC 6749 §3.3).

Anything else — an error of any kind, another grant, another authentication
method — answers :data:`NOT_HANDLED`, and the caller hands the request to
Authlib's pipeline, which gives the RFC 6749 §5.2 error answer (``invalid_client``
with 401 and ``WWW-Authenticate`` for Basic, ``invalid_scope``,
``unauthorized_client``, ``unsupported_grant_type`` …). So errors have one
implementation, and this module can only ever say yes to a request the pipeline
would also accept.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749.util import extract_basic_authorization, scope_to_list
from flask import Flask

from idp.oidc.clients import load_client
from idp.oidc.constants import SUPPORTED_SCOPES

GRANT_TYPE = "client_credentials"
#: Bodies longer than this are not the simple request handled here.
MAX_BODY = 2048
NOT_HANDLED = None
#: RFC 6749 §5.1: the token response must not be cached.
HEADERS = [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
           ("Pragma", "no-cache"), ("X-Content-Type-Options", "nosniff")]
_SUPPORTED = frozenset(SUPPORTED_SCOPES)


def _parameters(body: bytes) -> dict[str, str] | None:
    """``grant_type`` and optional ``scope`` from a form body, each once; None for anything else."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True,
                          errors="strict", max_num_fields=3)
    except ValueError:  # also UnicodeDecodeError
        return None
    params = dict(pairs)
    if len(params) != len(pairs) or not {"grant_type"} <= params.keys() <= {"grant_type", "scope"}:
        return None
    return params


def issue(app: Flask, connection, environ: dict, body: bytes) -> bytes | None:
    """The JSON token response for a valid client-credentials request, or NOT_HANDLED.

    Called inside an app context (the generator reads the configuration and the
    key cache); ``connection`` reads the client's registration in this request.
    """
    if (environ.get("QUERY_STRING")
            or not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")):
        return NOT_HANDLED
    params = _parameters(body)
    if params is None or params["grant_type"] != GRANT_TYPE:
        return NOT_HANDLED
    client_id, secret = extract_basic_authorization(
        {"Authorization": environ.get("HTTP_AUTHORIZATION")})
    if not client_id or not secret:
        return NOT_HANDLED
    client = load_client(connection, client_id)
    if (client is None or not client.check_endpoint_auth_method("client_secret_basic", "token")
            or not client.check_client_secret(secret) or not client.check_grant_type(GRANT_TYPE)):
        return NOT_HANDLED
    scope = params.get("scope")
    if scope and not set(scope_to_list(scope)) <= _SUPPORTED:
        return NOT_HANDLED
    if client.get_allowed_scope(scope) is None:
        return NOT_HANDLED
    generator = app.extensions["oidc_token_generator"]
    token = generator(grant_type=GRANT_TYPE, client=client, user=None, scope=scope,
                      include_refresh_token=False)
    return json.dumps(token).encode()
