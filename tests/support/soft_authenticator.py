"""A software WebAuthn authenticator (ES256, "none" attestation) for tests without a browser."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def _client_data(kind: str, challenge: bytes, origin: str) -> bytes:
    return json.dumps({"type": kind, "challenge": bytes_to_base64url(challenge),
                       "origin": origin, "crossOrigin": False}).encode()


@dataclass
class SoftAuthenticator:
    """One credential on a pretend authenticator; ``sign_count`` grows with each use."""

    user_verified: bool = True
    backed_up: bool = False
    sign_count: int = 0
    credential_id: bytes = field(default_factory=lambda: os.urandom(16))
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    def _flags(self) -> int:
        flags = UP | (UV if self.user_verified else 0)
        return flags | ((BE | BS) if self.backed_up else 0)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def register(self, challenge: bytes, *, rp_id: str, origin: str) -> dict:
        """The JSON a browser would post after ``navigator.credentials.create``."""
        attested = (bytes(16) + len(self.credential_id).to_bytes(2, "big")
                    + self.credential_id + self._cose_key())
        auth_data = (hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags() | AT])
                     + self.sign_count.to_bytes(4, "big") + attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        raw_id = bytes_to_base64url(self.credential_id)
        return {"id": raw_id, "rawId": raw_id, "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(
                        _client_data("webauthn.create", challenge, origin)),
                    "attestationObject": bytes_to_base64url(attestation),
                    "transports": ["internal"]},
                "clientExtensionResults": {}}

    def assert_(self, challenge: bytes, *, rp_id: str, origin: str,
                user_handle: bytes | None = None, count_up: bool = True) -> dict:
        """The JSON a browser would post after ``navigator.credentials.get``."""
        if count_up:
            self.sign_count += 1
        auth_data = (hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags()])
                     + self.sign_count.to_bytes(4, "big"))
        client_data = _client_data("webauthn.get", challenge, origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        raw_id = bytes_to_base64url(self.credential_id)
        return {"id": raw_id, "rawId": raw_id, "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(signature),
                    "userHandle": bytes_to_base64url(user_handle) if user_handle else None},
                "clientExtensionResults": {}}
