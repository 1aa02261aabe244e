"""The errors of every credential check, the same in both services.

Each service maps them once to its messages; none of them says which part of a
credential was wrong, so nobody learns which logins or addresses exist.
"""

from __future__ import annotations

from shared.password_policy import PolicyResult


class CredentialError(Exception):
    """Base class of the credential errors."""


class InvalidCredentials(CredentialError):
    """Wrong login, e-mail address or password (never says which)."""


class InvalidSecondFactor(CredentialError):
    """A wrong, expired or replayed TOTP code, or a recovery code not (or no longer) valid."""


class TooManyAttempts(CredentialError):
    """The account or the client address has used up its failed attempts for now."""


class PasswordRejected(CredentialError):
    """The new password fails the policy; ``result`` lists every failed rule."""

    def __init__(self, result: PolicyResult) -> None:
        super().__init__("password rejected")
        self.result = result
