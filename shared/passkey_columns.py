"""The columns every stored passkey and ceremony challenge has, in either service.

Both services keep passkeys (staff in the register, families at the IdP) with the same
WebAuthn facts; only the owner differs (``school_account`` with its ``school_id``, or
``account``). The models declare their owner and mix these in, so the two tables
cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


class PasskeyColumns:
    """One WebAuthn credential: its public key (the private key never leaves the
    authenticator) and what the ceremonies keep track of."""

    #: The person's own name for it ("Telefon mamy").
    name: Mapped[str] = mapped_column(sa.String(60))
    #: Unique in the service: a passwordless sign-in finds the account by it.
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1023), unique=True)
    #: The random WebAuthn user handle of the account (the same for all its passkeys).
    user_handle: Mapped[bytes] = mapped_column(sa.LargeBinary(64))
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(1023))
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    backup_eligible: Mapped[bool] = mapped_column(default=False)
    backed_up: Mapped[bool] = mapped_column(default=False)
    transports: Mapped[str] = mapped_column(sa.String(120), default="")
    aaguid: Mapped[str] = mapped_column(sa.String(36), default="")
    last_used_at: Mapped[datetime | None]


class PasskeyChallengeColumns:
    """A challenge handed to one browser session (:mod:`shared.passkey_challenges`);
    deleted when used, useless when expired."""

    #: "register", "passwordless" and, in the register, "second-factor".
    purpose: Mapped[str] = mapped_column(sa.String(20))
    challenge: Mapped[bytes] = mapped_column(sa.LargeBinary(64))
    #: For a registration: the user handle the new passkey will carry.
    user_handle: Mapped[bytes | None] = mapped_column(sa.LargeBinary(64))
    expires_at: Mapped[datetime]
