"""WebAuthn (passkey) ceremonies for both services, without Flask or storage.

A service keeps the challenge (single-use, bound to the browser's session, short-lived)
and the credentials; this module builds the options the browser's
``navigator.credentials`` calls take and checks what the authenticator answered
against the relying party (RP ID and origin from the service's public URL), with the
``webauthn`` package doing the cryptography. Any failed check is :class:`PasskeyError`.

``webauthn`` (with its CBOR and ASN.1 parsers, ~23 MiB per worker) is imported
inside the functions of a ceremony: both services import this module at start-up
(passkey pages and sign-in), while most workers never run a ceremony.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

#: How long the browser waits for the person to use the authenticator (milliseconds).
CEREMONY_TIMEOUT_MS = 120_000


class PasskeyError(Exception):
    """The authenticator's answer failed a check (challenge, origin, RP ID, signature …)."""


@dataclass(frozen=True)
class RelyingParty:
    """The site a passkey belongs to: its RP ID (host name), exact origin and display name."""

    rp_id: str
    origin: str
    name: str

    @classmethod
    def from_url(cls, url: str, name: str) -> RelyingParty:
        """The relying party of a service's public URL (``https://host[:port]/…``)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not a web URL: {url!r}")
        return cls(rp_id=parts.hostname, origin=f"{parts.scheme}://{parts.netloc}", name=name)

    @property
    def usable(self) -> bool:
        """Browsers refuse passkeys for an IP address (``http://127.0.0.1``): a host name is needed."""
        try:
            ipaddress.ip_address(self.rp_id.strip("[]"))
        except ValueError:
            return True
        return False


@dataclass(frozen=True)
class Ceremony:
    """Options to hand to the browser (JSON) and the challenge the service must keep."""

    options_json: str
    challenge: bytes


@dataclass(frozen=True)
class NewPasskey:
    """A verified registration: what to store for the credential."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    backup_eligible: bool
    backed_up: bool
    aaguid: str
    transports: tuple[str, ...]


@dataclass(frozen=True)
class Assertion:
    """A verified sign-in: the counter and backup state to store back."""

    sign_count: int
    backed_up: bool
    user_verified: bool


def _descriptors(credentials: list[tuple[bytes, tuple[str, ...]]]):
    from webauthn.helpers.structs import AuthenticatorTransport, PublicKeyCredentialDescriptor

    known = {t.value for t in AuthenticatorTransport}
    return [PublicKeyCredentialDescriptor(
        id=credential_id,
        transports=[AuthenticatorTransport(t) for t in transports if t in known] or None)
        for credential_id, transports in credentials]


def registration_options(rp: RelyingParty, *, user_handle: bytes, user_name: str,
                         display_name: str,
                         existing: list[tuple[bytes, tuple[str, ...]]]) -> Ceremony:
    """Options to create a discoverable passkey with user verification (not one already held)."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=rp.rp_id, rp_name=rp.name, user_id=user_handle, user_name=user_name,
        user_display_name=display_name, timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=_descriptors(existing))
    return Ceremony(options_to_json(options), options.challenge)


def authentication_options(rp: RelyingParty, *,
                           allowed: list[tuple[bytes, tuple[str, ...]]] | None,
                           require_user_verification: bool) -> Ceremony:
    """Options to sign in: with ``allowed`` credentials (a second factor) or any (passwordless)."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    options = generate_authentication_options(
        rp_id=rp.rp_id, timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=_descriptors(allowed) if allowed else None,
        user_verification=(UserVerificationRequirement.REQUIRED if require_user_verification
                           else UserVerificationRequirement.PREFERRED))
    return Ceremony(options_to_json(options), options.challenge)


def _parsed(response: str | dict) -> dict:
    try:
        data = json.loads(response) if isinstance(response, str) else response
    except ValueError as exc:
        raise PasskeyError("not JSON") from exc
    if not isinstance(data, dict):
        raise PasskeyError("not a credential")
    return data


def credential_id_of(response: str | dict) -> bytes:
    """The credential id an authenticator's answer names (to look the credential up)."""
    from webauthn.helpers import base64url_to_bytes

    raw = _parsed(response).get("rawId") or _parsed(response).get("id")
    try:
        return base64url_to_bytes(raw)
    except (TypeError, ValueError) as exc:
        raise PasskeyError("no credential id") from exc


def user_handle_of(response: str | dict) -> bytes | None:
    """The user handle a discoverable credential returned, if any."""
    from webauthn.helpers import base64url_to_bytes

    handle = (_parsed(response).get("response") or {}).get("userHandle")
    if not handle:
        return None
    try:
        return base64url_to_bytes(handle)
    except (TypeError, ValueError) as exc:
        raise PasskeyError("bad user handle") from exc


def verify_registration(rp: RelyingParty, response: str | dict, *,
                        challenge: bytes) -> NewPasskey:
    """Check a new credential against the kept challenge, the RP ID and the origin."""
    from webauthn import verify_registration_response
    from webauthn.helpers.exceptions import (
        InvalidCBORData,
        InvalidJSONStructure,
        InvalidRegistrationResponse,
    )

    data = _parsed(response)
    try:
        verified = verify_registration_response(
            credential=data, expected_challenge=challenge, expected_rp_id=rp.rp_id,
            expected_origin=rp.origin, require_user_verification=True)
    except (InvalidRegistrationResponse, InvalidJSONStructure, InvalidCBORData, ValueError,
            KeyError, TypeError) as exc:
        raise PasskeyError(str(exc)) from exc
    transports = tuple(t for t in (data.get("response") or {}).get("transports") or ()
                       if isinstance(t, str))[:8]
    return NewPasskey(
        credential_id=verified.credential_id, public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        backup_eligible=verified.credential_device_type.value == "multi_device",
        backed_up=verified.credential_backed_up, aaguid=verified.aaguid, transports=transports)


def verify_assertion(rp: RelyingParty, response: str | dict, *, challenge: bytes,
                     public_key: bytes, sign_count: int,
                     require_user_verification: bool) -> Assertion:
    """Check a sign-in against the kept challenge, RP ID, origin, stored key and counter.

    A counter that does not grow (when either side counts) means a cloned
    authenticator and fails like any other check.
    """
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import (
        InvalidAuthenticationResponse,
        InvalidCBORData,
        InvalidJSONStructure,
    )

    data = _parsed(response)
    try:
        verified = verify_authentication_response(
            credential=data, expected_challenge=challenge, expected_rp_id=rp.rp_id,
            expected_origin=rp.origin, credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=require_user_verification)
    except (InvalidAuthenticationResponse, InvalidJSONStructure, InvalidCBORData, ValueError,
            KeyError, TypeError) as exc:
        raise PasskeyError(str(exc)) from exc
    return Assertion(sign_count=verified.new_sign_count,
                     backed_up=verified.credential_backed_up,
                     user_verified=verified.user_verified)


def encode_id(raw: bytes) -> str:
    """A credential id or user handle as base64url text (for pages and logs of ids only)."""
    from webauthn.helpers import bytes_to_base64url

    return bytes_to_base64url(raw)
