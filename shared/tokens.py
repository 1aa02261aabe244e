"""Signed, expiring tokens for links sent by mail (itsdangerous), one salt per purpose.

A token can be tied to the state of what it acts on (for example a password hash
and last-login time): once that state changes, the token no longer verifies, so a
reset or activation link works exactly once (the warehouse pattern).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

Subject = TypeVar("Subject")


class TokenError(Exception):
    """A token did not verify."""


class TokenExpired(TokenError):
    """The token was genuine but is older than its purpose allows."""


class TokenInvalid(TokenError):
    """The token was tampered with, made for another purpose, or its subject has changed."""


@dataclass(frozen=True)
class TokenPurpose:
    """A purpose has its own salt (so tokens cannot be replayed across purposes) and lifetime."""

    salt: str
    max_age: int  # seconds


def state_fingerprint(*parts: object) -> str:
    """Hash the parts of an object's state a token should be tied to."""
    digest = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode())
    return digest.hexdigest()[:32]


class TokenService:
    """Create and verify tokens for one purpose with the app's secret."""

    def __init__(self, secret_key: str, purpose: TokenPurpose) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=purpose.salt)
        self._max_age = purpose.max_age

    def dumps(self, data: dict, *, state: str | None = None) -> str:
        """Sign ``data``; with ``state``, the token verifies only while the state is unchanged."""
        payload = dict(data)
        if state is not None:
            payload["_st"] = state
        return self._serializer.dumps(payload)

    def loads(self, token: str, *, state_of=None) -> dict:
        """Verify ``token`` and return its data.

        ``state_of`` is called with the data and returns the current state fingerprint
        (or None if the subject no longer exists); a mismatch makes the token invalid.
        """
        try:
            payload = self._serializer.loads(token, max_age=self._max_age)
        except SignatureExpired as exc:
            raise TokenExpired("token expired") from exc
        except BadSignature as exc:
            raise TokenInvalid("bad signature") from exc
        if not isinstance(payload, dict):
            raise TokenInvalid("malformed token")
        stored_state = payload.pop("_st", None)
        if state_of is not None:
            current = state_of(payload)
            if current is None or stored_state is None or not hmac.compare_digest(
                    str(current), str(stored_state)):
                raise TokenInvalid("token no longer valid")
        return payload


def token_service(purpose: TokenPurpose) -> TokenService:
    """Return a :class:`TokenService` for ``purpose`` with the current app's secret."""
    from flask import current_app

    return TokenService(current_app.config["SECRET_KEY"], purpose)


def load_link(purpose: TokenPurpose, token: str, *, session, model: type[Subject],
              state: Callable[[Subject], str | None], key: str = "a") -> tuple[Subject, dict]:
    """Return the row a mailed link is for and the link's data, while the row's state is unchanged.

    The link carries the row's id under ``key``; ``state`` gives the row's current
    fingerprint (None when the row may no longer use such a link). Raises
    :class:`TokenExpired` for an old link and :class:`TokenInvalid` for anything else.
    """
    found: list[Subject] = []

    def state_of(data: dict) -> str | None:
        row = session.get(model, data[key]) if data.get(key) is not None else None
        if row is None:
            return None
        found.append(row)
        return state(row)

    data = token_service(purpose).loads(token, state_of=state_of)
    return found[-1], data
