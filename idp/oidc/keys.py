"""Signing keys: stored in the IdP database, private parts encrypted, cached per process.

Every IdP node reads the same key rows, so any node can sign and any token
verifies against the published JWKS (docs/architecture.md §2, "Scaling out").

* Encryption: AES-256-GCM with a key derived from ``SECRET_KEY`` by HKDF-SHA256
  (RFC 5869), the key id as associated data (a ciphertext cannot be moved to
  another row).
* Rotation (``flask --app idp keys rotate``): a new active key per algorithm;
  the previous one stops signing but stays published until every token it
  signed has expired (``retire_after``), then it is retired (left out of the JWKS).
* Cache: decrypting and importing a key costs far more than signing, so the
  imported keys and the JWKS document live in a per-process cache that re-reads
  the key ids at most every ``OIDC_KEY_CHECK_SECONDS`` (2 s) and reloads when
  they changed (another node rotated).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app
from joserfc.jwk import ECKey, KeySet, RSAKey, import_key
from sqlalchemy.orm import Session

from idp.extensions import db
from idp.oidc.constants import ALGORITHMS, DEFAULT_ALG
from idp.oidc.models import SigningKey
from shared.crypto import derive_key
from shared.database import upsert, utcnow

_ENC_PREFIX = "v1."


class KeyDecryptionError(Exception):
    """A stored key cannot be decrypted (wrong SECRET_KEY?)."""


def _aead(secret_key: str) -> AESGCM:
    return AESGCM(derive_key(secret_key, "signing-key-encryption v1", salt=b"e-dziennik idp"))


def encrypt_private_jwk(secret_key: str, kid: str, jwk: dict) -> str:
    """Encrypt a private JWK for storage (AES-GCM, key from HKDF(SECRET_KEY))."""
    nonce = os.urandom(12)
    sealed = _aead(secret_key).encrypt(nonce, json.dumps(jwk).encode(), kid.encode())
    return _ENC_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt_private_jwk(secret_key: str, kid: str, blob: str) -> dict:
    """Decrypt a stored private JWK; raise :class:`KeyDecryptionError` if it does not authenticate."""
    from cryptography.exceptions import InvalidTag

    if not blob.startswith(_ENC_PREFIX):
        raise KeyDecryptionError(f"unknown key encryption format for {kid}")
    raw = base64.urlsafe_b64decode(blob[len(_ENC_PREFIX):])
    try:
        plain = _aead(secret_key).decrypt(raw[:12], raw[12:], kid.encode())
    except InvalidTag as exc:
        raise KeyDecryptionError(f"cannot decrypt signing key {kid}: SECRET_KEY changed?") from exc
    return json.loads(plain)


def _generate(alg: str):
    params = {"alg": alg, "use": "sig"}
    if alg == "RS256":
        key = RSAKey.generate_key(2048, parameters=params, private=True, auto_kid=True)
    elif alg == "ES256":
        key = ECKey.generate_key("P-256", parameters=params, private=True, auto_kid=True)
    else:
        raise ValueError(f"unsupported algorithm {alg}")
    return key


def new_key_row(alg: str, secret_key: str) -> SigningKey:
    """Generate a key pair and return an (unsaved) row with the private part encrypted."""
    key = _generate(alg)
    kid = key.kid
    return SigningKey(kid=kid, alg=alg, status="active",
                      public_jwk=key.as_dict(private=False),
                      private_jwk_encrypted=encrypt_private_jwk(secret_key, kid,
                                                                key.as_dict(private=True)))


def _insert_first_key(alg: str, secret_key: str) -> sa.Executable:
    """Insert a new active key for ``alg`` unless one is active already (``ON CONFLICT DO NOTHING``).

    Two IdP nodes starting on an empty database both find no key; the partial unique
    index ``uq_signing_key_active_alg`` lets only one of them add it, the other's
    insert does nothing and it reads the winner's key.
    """
    row = new_key_row(alg, secret_key)
    values = {"kid": row.kid, "alg": alg, "status": "active", "public_jwk": row.public_jwk,
              "private_jwk_encrypted": row.private_jwk_encrypted, "created_at": utcnow()}
    return upsert(db, SigningKey.__table__, values, keys=["alg"],
                  index_where=sa.text("status = 'active'"))


def grace_period(app: Flask) -> timedelta:
    """How long a key stays published after it stops signing: the longest token life + slack."""
    longest = max(app.config["OIDC_ID_TOKEN_LIFETIME"], app.config["OIDC_ACCESS_TOKEN_LIFETIME"])
    return timedelta(seconds=longest + app.config["OIDC_KEY_GRACE_SLACK"])


# --------------------------------------------------------------------------- services

def rotate_keys(algorithms: tuple[str, ...] = ALGORITHMS) -> list[SigningKey]:
    """Add a new active key per algorithm; the old active ones start their grace period."""
    app = current_app._get_current_object()
    retire_after = utcnow() + grace_period(app)
    created = []
    for alg in algorithms:
        for old in db.session.scalars(sa.select(SigningKey).filter_by(alg=alg, status="active")):
            old.status = "retiring"
            old.retire_after = retire_after
        row = new_key_row(alg, app.config["SECRET_KEY"])
        db.session.add(row)
        created.append(row)
    db.session.flush()
    key_cache(app).invalidate()
    return created


def retire_expired_keys() -> list[SigningKey]:
    """Retire every key whose grace period is over (it is no longer published)."""
    now = utcnow()
    rows = list(db.session.scalars(sa.select(SigningKey).where(
        SigningKey.status == "retiring", SigningKey.retire_after <= now)))
    for row in rows:
        row.status = "retired"
        row.retired_at = now
    db.session.flush()
    key_cache(current_app).invalidate()
    return rows


def list_keys() -> list[SigningKey]:
    """Every key, newest first."""
    return list(db.session.scalars(sa.select(SigningKey).order_by(SigningKey.id.desc())))


# --------------------------------------------------------------------------- cache

@dataclass
class _Snapshot:
    fingerprint: tuple
    signing: dict = field(default_factory=dict)  # alg -> private joserfc key
    public_set: KeySet | None = None
    jwks: dict = field(default_factory=dict)
    jwks_body: bytes = b""
    etag: str = ""


class KeyCache:
    """Per-process cache of imported keys and of the JWKS document (one per app)."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0

    def invalidate(self) -> None:
        """Forget everything (after a rotation in this process)."""
        with self._lock:
            self._snapshot = None
            self._checked_at = 0.0

    def _rows(self) -> list:
        now = utcnow()
        stmt = sa.select(SigningKey.kid, SigningKey.alg, SigningKey.status,
                         SigningKey.retire_after).where(
            SigningKey.status != "retired").order_by(SigningKey.id)
        return [r for r in db.session.execute(stmt)
                if r.status == "active" or (r.retire_after and r.retire_after > now)]

    def _ensure_active_keys(self, rows: list, own_transaction: bool) -> tuple[list, bool]:
        """Create a key for every algorithm that has none (fresh install).

        Normally (``own_transaction``, called before the request wrote anything) the
        keys are committed in their own transaction, so a key that signed a token
        exists even if the request later rolls back. Otherwise they join the
        request's transaction and the snapshot is not kept past this request.
        """
        missing = [alg for alg in ALGORITHMS
                   if not any(r.alg == alg and r.status == "active" for r in rows)]
        if not missing:
            return rows, True
        secret = self._app.config["SECRET_KEY"]
        if own_transaction:
            with Session(db.engine) as session, session.begin():
                for alg in missing:
                    session.execute(_insert_first_key(alg, secret))
        else:
            for alg in missing:
                db.session.execute(_insert_first_key(alg, secret))
        # Another node may have won the race for an algorithm: its key is the one to use.
        return self._rows(), own_transaction

    def _build(self, rows: list) -> _Snapshot:
        kids = [r.kid for r in rows]
        full = {k.kid: k for k in db.session.scalars(
            sa.select(SigningKey).where(SigningKey.kid.in_(kids)))}
        snap = _Snapshot(fingerprint=tuple((r.kid, r.status) for r in rows))
        public = []
        for row in rows:
            key = full[row.kid]
            public.append(dict(key.public_jwk))
            if row.status == "active":
                # The newest active key of an algorithm signs.
                snap.signing[row.alg] = import_key(decrypt_private_jwk(
                    self._app.config["SECRET_KEY"], key.kid, key.private_jwk_encrypted))
        snap.jwks = {"keys": public}
        snap.public_set = KeySet.import_key_set(snap.jwks)
        snap.jwks_body = json.dumps(snap.jwks, separators=(",", ":")).encode()
        snap.etag = hashlib.sha256(snap.jwks_body).hexdigest()[:32]
        return snap

    def fresh(self) -> _Snapshot | None:
        """The snapshot if it was checked recently enough, else None (no database access)."""
        snap = self._snapshot
        if snap is not None and time.monotonic() - self._checked_at < \
                self._app.config["OIDC_KEY_CHECK_SECONDS"]:
            return snap
        return None

    def get(self, own_transaction: bool = False) -> _Snapshot:
        """The current keys, re-checked against the database every few seconds."""
        now = time.monotonic()
        snap = self._snapshot
        if snap is not None and now - self._checked_at < self._app.config["OIDC_KEY_CHECK_SECONDS"]:
            return snap
        with self._lock:
            rows, durable = self._ensure_active_keys(self._rows(), own_transaction)
            fingerprint = tuple((r.kid, r.status) for r in rows)
            if self._snapshot is None or self._snapshot.fingerprint != fingerprint:
                snap = self._build(rows)
            else:
                snap = self._snapshot
            if durable:
                self._snapshot = snap
                self._checked_at = time.monotonic()
            else:
                self._snapshot, self._checked_at = None, 0.0
            return snap


def key_cache(app: Flask) -> KeyCache:
    """The app's key cache."""
    return app.extensions["oidc_keys"]


def signing_key_set(alg: str = DEFAULT_ALG) -> KeySet:
    """A key set holding just the active private key for ``alg`` (joserfc adds its ``kid``)."""
    return KeySet([key_cache(current_app).get().signing[alg]])


def public_key_set() -> KeySet:
    """Every published public key (for verifying our own tokens)."""
    return key_cache(current_app).get().public_set
