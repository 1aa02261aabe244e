"""The discovery document (OpenID Connect Discovery 1.0 §3, RFC 8414, RFC 9207 §3)."""

from __future__ import annotations

import hashlib
import json

from flask import current_app, url_for

from idp.oidc.constants import (
    ACR_MFA,
    ACR_PASSWORD,
    ALGORITHMS,
    API_SCOPES,
    CLAIMS_SUPPORTED,
    CONFIDENTIAL_AUTH_METHODS,
    JWKS_PATH,
    SUPPORTED_GRANT_TYPES,
    TOKEN_ENDPOINT_AUTH_METHODS,
    TOKEN_PATH,
    USER_SCOPES,
)
from shared.i18n import offered_languages


def metadata() -> dict:
    """The provider metadata; every endpoint is an absolute URL under the issuer."""
    issuer = current_app.config["IDP_ISSUER"]

    def endpoint(name: str) -> str:
        return issuer + url_for(name)

    return {
        "issuer": issuer,
        "authorization_endpoint": endpoint("oidc.authorize"),
        "token_endpoint": issuer + TOKEN_PATH,
        "userinfo_endpoint": endpoint("oidc.userinfo"),
        "jwks_uri": issuer + JWKS_PATH,
        "revocation_endpoint": endpoint("oidc.revoke"),
        "introspection_endpoint": endpoint("oidc.introspect"),
        "end_session_endpoint": endpoint("oidc.end_session"),
        "scopes_supported": list(USER_SCOPES + API_SCOPES),
        "claims_supported": list(CLAIMS_SUPPORTED),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": list(SUPPORTED_GRANT_TYPES),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(ALGORITHMS),
        "userinfo_signing_alg_values_supported": ["none"],
        "token_endpoint_auth_methods_supported": list(TOKEN_ENDPOINT_AUTH_METHODS),
        "revocation_endpoint_auth_methods_supported": list(TOKEN_ENDPOINT_AUTH_METHODS),
        "introspection_endpoint_auth_methods_supported": list(CONFIDENTIAL_AUTH_METHODS),
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": [ACR_PASSWORD, ACR_MFA],
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "require_request_uri_registration": False,
        "ui_locales_supported": list(offered_languages()),
        "claims_locales_supported": list(offered_languages()),
        "display_values_supported": ["page", "popup"],
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": True,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": False,
    }


def document_bytes() -> tuple[bytes, str]:
    """The serialized document and its ETag, built once per app."""
    cached = current_app.extensions.get("oidc_discovery")
    if cached is None:
        body = json.dumps(metadata(), separators=(",", ":")).encode()
        cached = (body, hashlib.sha256(body).hexdigest()[:32])
        current_app.extensions["oidc_discovery"] = cached
    return cached
