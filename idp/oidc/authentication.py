"""Who is authenticated, when and how: what the provider needs to know of a sign-in.

The authorization view builds an :class:`Authentication` from the browser
session and hands it to the provider, which never reads the session itself
(pyop's explicit context). The provider stores its values with the
authorization code, and from there in the ID token (OIDC Core §2: ``auth_time``,
``acr``, ``amr``) and in the access tokens of the grant.
"""

from __future__ import annotations

from dataclasses import dataclass

from idp.accounts.models import Account
from idp.oidc.constants import ACR_MFA, ACR_PASSWORD


@dataclass(frozen=True)
class Authentication:
    """A signed-in account, when it authenticated (seconds since the epoch) and the methods used."""

    account: Account
    auth_time: int
    amr: tuple[str, ...] = ("pwd",)

    @property
    def acr(self) -> str:
        """The ``acr`` value for the methods used (Core §2): MFA or password only."""
        return ACR_MFA if "mfa" in self.amr else ACR_PASSWORD
