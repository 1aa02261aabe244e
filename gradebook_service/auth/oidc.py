"""The gradebook as an OpenID Connect relying party of the IdP ("Zaloguj się z KONTEM").

A confidential first-party client using Authlib's Flask client: authorization
code flow with PKCE (S256), ``state`` and ``nonce`` (OIDC Core 3.1.2), the ID token
validated against the IdP's JWKS (issuer, audience, expiry, nonce). The
``school_accounts`` claim (docs/architecture.md 5.2) names the school accounts the person
linked; they map to local accounts by :attr:`SchoolAccount.ref`.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from flask import Flask, current_app

from gradebook_service.accounts.models import PARENT, PUPIL, SchoolAccount
from gradebook_service.extensions import db

SCOPES = "openid profile school"

log = logging.getLogger(__name__)


class SsoError(Exception):
    """The IdP's answer could not be used (error, invalid token, no linked account)."""


def init_oidc(app: Flask) -> None:
    """Offer the IdP's sign-out to logout; the client itself is built on first use.

    Authlib's Flask client (and the HTTP stack under it) costs a worker ~20 MiB;
    a worker that only serves pages to signed-in people never needs it, so it is
    imported and registered by :func:`idp_client` when SSO is first used.
    """
    # Logout (in accounts) asks for it without importing the SSO client.
    app.extensions["sso_end_session_url"] = end_session_url


_client_lock = threading.Lock()


def _registered_oauth(app: Flask):
    """Authlib's registry with the IdP client, from the app's configuration."""
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    oauth.register(
        "idp",
        client_id=app.config["GRADEBOOK_OIDC_CLIENT_ID"],
        client_secret=app.config["GRADEBOOK_OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config["IDP_ISSUER"] + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "client_secret_basic", "timeout": 10},
    )
    return oauth


def idp_client():
    """The registered IdP client (built once per app, under a lock), or None without SSO."""
    if not sso_enabled():
        return None
    oauth = current_app.extensions.get("gradebook_oauth")
    if oauth is None:
        with _client_lock:
            oauth = current_app.extensions.get("gradebook_oauth")
            if oauth is None:
                oauth = _registered_oauth(current_app._get_current_object())
                current_app.extensions["gradebook_oauth"] = oauth
    return oauth.create_client("idp")


def sso_enabled() -> bool:
    """True when the IdP client is configured (the login page then offers SSO).

    Read from the configuration alone: every rendered page asks, and building the
    client to answer would load Authlib's Flask integration in every worker.
    """
    config = current_app.config
    return bool(config["GRADEBOOK_OIDC_CLIENT_ID"] and config["GRADEBOOK_OIDC_CLIENT_SECRET"])


def end_session_url(id_token: str, after_path: str) -> str | None:
    """The IdP's RP-initiated logout URL returning to ``after_path``, or None if unavailable."""
    client = idp_client()
    if client is None:
        return None
    try:
        return client.create_logout_url(
            post_logout_redirect_uri=current_app.config["GRADEBOOK_URL"] + after_path,
            id_token_hint=id_token)["url"]
    except Exception:  # noqa: BLE001 - IdP unreachable: the local session is over anyway
        log.warning("RP-initiated logout failed; local session ended")
        return None


def check_issuer(client, args) -> None:
    """RFC 9207: the authorization response must come from our IdP (mix-up defence).

    The IdP always sends ``iss``; a missing one is refused when its metadata says
    it sends it, and a different one always.
    """
    metadata = client.load_server_metadata()
    issuer = args.get("iss")
    if issuer is None:
        if metadata.get("authorization_response_iss_parameter_supported"):
            raise SsoError("iss missing")
    elif issuer != metadata.get("issuer"):
        raise SsoError("iss mismatch")


def linked_accounts(claims: dict) -> list[SchoolAccount]:
    """Local family accounts named by the ``school_accounts`` claim (unknown refs are skipped)."""
    entries = claims.get("school_accounts") or []
    refs = [e.get("ref") for e in entries if isinstance(e, dict) and isinstance(e.get("ref"), str)]
    if not refs:
        return []
    accounts = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.ref.in_(refs), SchoolAccount.role.in_((PARENT, PUPIL)),
        SchoolAccount.is_active.is_(True))).scalars().all()
    order = {ref: i for i, ref in enumerate(refs)}
    return sorted(accounts, key=lambda a: order[a.ref])
