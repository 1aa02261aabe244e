"""Keys derived from the deployment secret, one per purpose, and a sealer built on them.

Every secret stored encrypted (TOTP secrets, signing keys, printed-letter PDFs)
gets its own key from ``SECRET_KEY`` by HKDF-SHA256 (RFC 5869) with the purpose
as ``info``: a key leaked or misused for one purpose opens nothing else.

``cryptography`` is imported by the first derivation: every module that seals
something imports this one, but a register worker serving family pages never
derives a key, and the library's Rust bindings cost ~7 MiB per worker (issue 16).
"""

from __future__ import annotations

import base64


class SealBroken(Exception):
    """A sealed value does not open: forged, damaged, sealed for another purpose or secret."""


def derive_key(secret: str, purpose: str, *, salt: bytes | None = None, length: int = 32) -> bytes:
    """Derive the key of ``purpose`` from the deployment ``secret`` (HKDF-SHA256, purpose as info).

    ``salt`` is fixed per store: stores that already hold ciphertexts keep theirs so
    what they hold stays readable.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt,
                info=purpose.encode()).derive(secret.encode())


class Sealer:
    """Encrypt and authenticate values for one purpose (Fernet: AES-CBC with HMAC-SHA256)."""

    def __init__(self, secret: str, purpose: str, *, salt: bytes | None = None) -> None:
        from cryptography.fernet import Fernet

        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret, purpose, salt=salt)))

    def seal(self, data: bytes | str) -> str:
        """Return ``data`` encrypted and authenticated, as URL-safe text."""
        return self._fernet.encrypt(data.encode() if isinstance(data, str) else data).decode()

    def open(self, sealed: str | bytes) -> bytes:
        """Return what :meth:`seal` sealed; raise :class:`SealBroken` if it does not authenticate."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(sealed)
        except (InvalidToken, TypeError, ValueError) as exc:
            raise SealBroken("cannot open sealed value") from exc

    def open_text(self, sealed: str | bytes | None) -> str | None:
        """Return sealed text, or None when there is none or it does not open."""
        if not sealed:
            return None
        try:
            return self.open(sealed).decode()
        except SealBroken:
            return None


def sealer(purpose: str, *, salt: bytes | None = None) -> Sealer:
    """Return a :class:`Sealer` for ``purpose`` with the current app's secret."""
    from flask import current_app

    return Sealer(current_app.config["SECRET_KEY"], purpose, salt=salt)
