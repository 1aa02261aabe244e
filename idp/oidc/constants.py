"""What the provider supports: scopes, claims, grants, algorithms and the public endpoint paths.

Plain values with no imports, so every module of the provider (and discovery)
can name them without importing the server.
"""

from __future__ import annotations

#: User-facing scopes (discovery) and the service scope of the gradebook's back channel.
USER_SCOPES = ("openid", "profile", "email", "school", "offline_access")
#: The gradebook's JSON API (docs/architecture.md 5.5): one scope per resource, granted by users.
API_SCOPES = ("grades:read", "attendance:read", "attendance:excuse", "timetable:read",
              "homework:read", "calendar:read", "announcements:read", "messages:read",
              "messages:send")
SERVICE_SCOPES = ("school_accounts.verify",)
SUPPORTED_SCOPES = USER_SCOPES + API_SCOPES + SERVICE_SCOPES
#: Access tokens carrying an API scope name the gradebook as an audience (RFC 9068 §3) and
#: carry the ``school_accounts`` refs, so the API knows whom they speak for without a call back.
API_AUDIENCE = "GRADEBOOK_URL"
#: The resource server (a config key naming its URL) of each service scope: the ``aud``
#: of client-credentials tokens asking for it (RFC 9068 §3, audience inferred from scope).
SERVICE_SCOPE_AUDIENCES = {"school_accounts.verify": "GRADEBOOK_URL"}
SUPPORTED_GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
#: Client authentication at the token and revocation endpoints (RFC 6749 §2.3, OIDC Core §9).
TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
#: Introspection is for confidential clients only.
CONFIDENTIAL_AUTH_METHODS = ("client_secret_basic", "client_secret_post")

SCOPE_CLAIMS = {
    "profile": ("name", "given_name", "family_name", "locale"),
    "email": ("email", "email_verified"),
    "school": ("school_accounts",),
}
CLAIMS_SUPPORTED = ("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr",
                    "at_hash", *(c for claims in SCOPE_CLAIMS.values() for c in claims))
ACR_PASSWORD = "urn:e-dziennik:acr:pwd"  # noqa: S105 - an acr value, not a password
ACR_MFA = "urn:e-dziennik:acr:mfa"

#: Signing algorithms offered; the default signs ID tokens and access tokens.
ALGORITHMS = ("RS256", "ES256")
DEFAULT_ALG = "RS256"

#: Endpoints served ahead of Flask's routing (``fastpath.py``); the rest are blueprint routes.
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/oauth/jwks"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path
