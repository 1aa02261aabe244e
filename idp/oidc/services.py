"""OIDC domain services other packages call: app consents and token revocation.

They add and flush; the request (or the CLI command) commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from idp.accounts.models import Account
from idp.core.models import audit
from idp.extensions import db
from idp.oidc.models import (
    AppConsent,
    AuthorizationCode,
    Grant,
    OAuthClient,
    RefreshToken,
    RevokedAccessToken,
)
from shared.database import utcnow


@dataclass(frozen=True)
class AppConsentInfo:
    """One remembered app consent, for the account settings page."""

    client_id: str
    client_name: str
    scopes: tuple[str, ...]
    granted_at: datetime


def list_app_consents(account: Account) -> list[AppConsentInfo]:
    """The third-party apps ``account`` has allowed, with the scopes, newest first."""
    rows = db.session.scalars(sa.select(AppConsent).filter_by(account_id=account.id)
                              .order_by(AppConsent.updated_at.desc()))
    return [AppConsentInfo(r.client_id, r.client.name, tuple(r.scope.split()), r.updated_at)
            for r in rows]


def find_consent(account: Account, client_id: str) -> AppConsent | None:
    """The remembered consent of ``account`` for ``client_id``."""
    return db.session.scalar(sa.select(AppConsent).filter_by(account_id=account.id,
                                                             client_id=client_id))


def remember_consent(account: Account, client_id: str, scope: str) -> AppConsent:
    """Store (or extend) the account's consent to the client for ``scope``."""
    consent = find_consent(account, client_id)
    if consent is None:
        consent = AppConsent(account_id=account.id, client_id=client_id, scope=scope)
        db.session.add(consent)
    else:
        consent.extend(scope)
        consent.updated_at = utcnow()
    db.session.flush()
    return consent


def revoke_grants(where) -> int:
    """Revoke the grants matching ``where`` and their refresh tokens; return how many."""
    now = utcnow()
    ids = list(db.session.scalars(sa.select(Grant.id).where(where, Grant.revoked_at.is_(None))))
    if ids:
        db.session.execute(sa.update(Grant).where(Grant.id.in_(ids)).values(revoked_at=now))
        db.session.execute(sa.update(RefreshToken).where(
            RefreshToken.grant_id.in_(ids), RefreshToken.revoked_at.is_(None)
        ).values(revoked_at=now))
    db.session.flush()
    return len(ids)


def revoke_grant(grant_id: str | None) -> None:
    """Revoke one grant (code or refresh-token replay, RFC 6749 §4.1.2, RFC 9700 §4.14.2)."""
    if grant_id:
        revoke_grants(Grant.id == grant_id)


def withdraw_app_consent(account: Account, client_id: str) -> bool:
    """Forget the account's consent to ``client_id`` and revoke that app's tokens."""
    consent = find_consent(account, client_id)
    revoke_grants(sa.and_(Grant.account_id == account.id, Grant.client_id == client_id))
    if consent is None:
        return False
    db.session.delete(consent)
    db.session.flush()
    audit("oidc.consent_withdrawn", actor=account.sub, subject=client_id)
    return True


def revoke_all_tokens(account: Account) -> int:
    """Revoke every grant of ``account`` (password change, recovery, disabling)."""
    return revoke_grants(Grant.account_id == account.id)


def client_name(client_id: str) -> str | None:
    """The display name of a client."""
    return db.session.scalar(sa.select(OAuthClient.name).filter_by(client_id=client_id))


def prune_expired() -> dict[str, int]:
    """Delete expired codes, refresh tokens and revocation records; return counts per kind.

    Expired rows prove nothing any more: a replayed expired code or refresh token
    is refused as unknown just the same.
    """
    now = utcnow()
    counts = {}
    for name, model in (("codes", AuthorizationCode), ("refresh_tokens", RefreshToken),
                        ("revoked_access_tokens", RevokedAccessToken)):
        result = db.session.execute(sa.delete(model).where(model.expires_at < now))
        counts[name] = result.rowcount or 0
    # A grant can go once no refresh token of it is left and its last access token
    # (issued with the code) has expired: nothing can still name it in a ``gid``.
    cutoff = now - timedelta(seconds=current_app.config["OIDC_ACCESS_TOKEN_LIFETIME"] + 60)
    result = db.session.execute(sa.delete(Grant).where(
        Grant.created_at < cutoff, Grant.id.not_in(sa.select(RefreshToken.grant_id))))
    counts["grants"] = result.rowcount or 0
    db.session.flush()
    return counts
