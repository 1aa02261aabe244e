"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payloads (RFC 8291) via pywebpush."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.notifications.models import PushSubscription

log = logging.getLogger(__name__)

#: A push older than this is not worth showing (the news is in the register anyway).
PUSH_TTL = 24 * 3600
PUSH_TIMEOUT = 10


class PushError(Exception):
    """A subscription was refused; ``message`` says why."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate_vapid_keys() -> tuple[str, str]:
    """A new P-256 key pair: (private key, public key), both base64url raw as browsers take it."""
    # Here, not at the top: the settings page imports this module, and a worker serving
    # family pages need not hold cryptography's bindings (issue 16; pywebpush likewise).
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint)
    return _b64(private), _b64(public)


def push_enabled() -> bool:
    return bool(current_app.config["NOTIFICATIONS_VAPID_PRIVATE_KEY"]
                and current_app.config["NOTIFICATIONS_VAPID_PUBLIC_KEY"])


def endpoint_allowed(endpoint: str) -> bool:
    """Only https endpoints of the push services the deployment lists (the dispatcher POSTs
    there: an arbitrary URL would let anyone aim the server at the school's network)."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" and not (parts.scheme == "http" and host == "127.0.0.1"):
        return False
    for allowed in current_app.config["NOTIFICATIONS_PUSH_HOSTS"].split(","):
        allowed = allowed.strip().lower()
        if allowed and (host == allowed or (allowed.startswith("*.")
                                            and host.endswith(allowed[1:]))):
            return True
    return False


def subscribe(account: SchoolAccount, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Remember a browser's subscription (the same endpoint again only refreshes its keys)."""
    if not push_enabled():
        raise PushError("push is not configured")
    if not endpoint or len(endpoint) > 2000 or not endpoint_allowed(endpoint):
        raise PushError("endpoint not allowed")
    try:
        key = base64.urlsafe_b64decode(p256dh + "=" * (-len(p256dh) % 4))
        secret = base64.urlsafe_b64decode(auth + "=" * (-len(auth) % 4))
    except ValueError as exc:
        raise PushError("malformed keys") from exc
    if len(key) != 65 or key[0] != 4 or len(secret) != 16:
        raise PushError("malformed keys")
    digest = hashlib.sha256(endpoint.encode()).hexdigest()
    row = db.session.execute(sa.select(PushSubscription).where(
        PushSubscription.school_id == account.school_id,
        PushSubscription.account_id == account.id,
        PushSubscription.endpoint_hash == digest)).scalar_one_or_none()
    if row is None:
        row = PushSubscription(school_id=account.school_id, account_id=account.id,
                               endpoint=endpoint, endpoint_hash=digest)
        db.session.add(row)
    row.p256dh, row.auth = p256dh, auth
    db.session.flush()
    return row


def unsubscribe(account: SchoolAccount, subscription_id: int) -> bool:
    """Forget one of the account's devices."""
    return db.session.execute(sa.delete(PushSubscription).where(
        PushSubscription.school_id == account.school_id,
        PushSubscription.account_id == account.id,
        PushSubscription.id == subscription_id)).rowcount == 1


def subscriptions(account: SchoolAccount) -> list[PushSubscription]:
    return list(db.session.execute(sa.select(PushSubscription).where(
        PushSubscription.school_id == account.school_id,
        PushSubscription.account_id == account.id).order_by(PushSubscription.id)).scalars())


@dataclass(frozen=True)
class PushJob:
    """One payload for one device, sent after the dispatcher's transaction commits."""

    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: dict


def deliver(jobs: list[PushJob]) -> tuple[int, list[int]]:
    """Send the pushes; return (sent, ids of subscriptions the push service says are gone)."""
    sent, gone = 0, []
    if not jobs or not push_enabled():
        return 0, []
    # Imported here: pywebpush and its HTTP stack cost a worker ~37 MiB; only the
    # dispatcher sends pushes, page-serving workers never do.
    from pywebpush import WebPushException, webpush

    config = current_app.config
    for job in jobs:
        try:
            webpush({"endpoint": job.endpoint, "keys": {"p256dh": job.p256dh, "auth": job.auth}},
                    json.dumps(job.payload), vapid_private_key=config[
                        "NOTIFICATIONS_VAPID_PRIVATE_KEY"],
                    vapid_claims={"sub": config["NOTIFICATIONS_VAPID_SUBJECT"]},
                    ttl=PUSH_TTL, timeout=PUSH_TIMEOUT)
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (404, 410):
                gone.append(job.subscription_id)
            log.warning("push to subscription %s failed: %s", job.subscription_id, status)
        except Exception as exc:  # noqa: BLE001 - a network failure loses one push, not the run
            log.warning("push to subscription %s failed: %s", job.subscription_id,
                        type(exc).__name__)
        else:
            sent += 1
    return sent, gone
