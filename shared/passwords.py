"""argon2id password hashing with rehash-on-login.

Parameters come from configuration (``ARGON2_*``) and are never weaker than
OWASP's minimum for argon2id (m=19 MiB, t=2, p=1) in production. Tests set cheap
parameters through the same configuration keys, so no code path differs.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shared.hash_slots import HashSlots

#: Defaults chosen from bench/password_hashing.py (see docs/benchmarks.md): OWASP's
#: second recommended argon2id configuration, which costs ~25 ms on one core here.
DEFAULT_TIME_COST = 2
DEFAULT_MEMORY_COST = 19 * 1024  # KiB
DEFAULT_PARALLELISM = 1
#: argon2id computations at once per process (shared/hash_slots.py): one per process, and
#: about one process per core (docs/scaling.md, section 1).
DEFAULT_CONCURRENCY = 1

# A real hash of an unguessable string: verifying against it when an account does not
# exist makes "no such account" cost as much time as "wrong password".
_DUMMY_SECRET = "no-such-account-dummy-password-0c4f"  # noqa: S105


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a password check; ``new_hash`` is set when the stored hash should be replaced."""

    ok: bool
    new_hash: str | None = None


class Hasher:
    """Hash and verify passwords with one set of argon2id parameters.

    Every hash and verify holds one of the process's hashing slots, so a burst of
    sign-ins queues for the cores instead of taking them from every page.
    """

    def __init__(self, time_cost: int = DEFAULT_TIME_COST, memory_cost: int = DEFAULT_MEMORY_COST,
                 parallelism: int = DEFAULT_PARALLELISM, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self._ph = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                                  parallelism=parallelism, type=Type.ID)
        self._slots = HashSlots(concurrency)
        self._dummy_hash = self._ph.hash(_DUMMY_SECRET)

    @classmethod
    def from_config(cls, config) -> Hasher:
        """Build the hasher from the ``ARGON2_*`` settings (parameters and slots per process)."""
        return cls(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"],
                   config["ARGON2_PARALLELISM"], config["ARGON2_CONCURRENCY"])

    def hash(self, password: str) -> str:
        """Return an argon2id hash of ``password`` (the full string: nothing is truncated)."""
        with self._slots.held():
            return self._ph.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> VerifyResult:
        """Check ``password``; with no stored hash, spend the same time and fail."""
        with self._slots.held():
            if not stored_hash:
                with contextlib.suppress(VerificationError):
                    self._ph.verify(self._dummy_hash, password)
                return VerifyResult(False)
            try:
                self._ph.verify(stored_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return VerifyResult(False)
            needs_rehash = self._ph.check_needs_rehash(stored_hash)
        if needs_rehash:
            return VerifyResult(True, self.hash(password))
        return VerifyResult(True)


def init_hasher(app) -> Hasher:
    """Attach a :class:`Hasher` built from the app's config as ``app.extensions['hasher']``."""
    hasher = Hasher.from_config(app.config)
    app.extensions["hasher"] = hasher
    return hasher


def current_hasher() -> Hasher:
    """Return the hasher of the current app."""
    from flask import current_app

    return current_app.extensions["hasher"]
