"""A bound on the argon2id computations one process runs at once.

argon2-cffi releases the GIL while it hashes, so every thread of a gunicorn process
(4 per process in the layout) can hash at the same moment. A burst of sign-ins on a
2-core host then runs 8–16 hashes at once: each takes several times its 25 ms, and no
page of any other family is served meanwhile. With ``ARGON2_CONCURRENCY`` slots per
process (sized so that processes per host × slots ≈ cores), the burst waits its turn
— a queue of hashes each at full speed — while the other threads keep serving pages.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class HashSlots:
    """At most ``slots`` holders at once; the rest wait, in the order the OS wakes them."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("at least one hashing slot")
        self.slots = slots
        self._semaphore = threading.BoundedSemaphore(slots)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold one slot for the duration of the ``with`` block."""
        with self._semaphore:
            yield
