"""A small in-process cache of rendered page fragments, keyed by a content fingerprint.

A key always contains a fingerprint of the data shown (counts and latest change
times, read in one query), so an entry can never be stale: a changed grade gives
a new key. A time bucket in the key bounds how long rarer edits (a teacher's name,
a category's weight) take to show. Each app has its own cache (``app.extensions``,
created in the factory); switch it off with ``REGISTER_FRAGMENT_CACHE = False``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import current_app

MAX_ENTRIES = 2048
BUCKET_SECONDS = 600


class FragmentCache:
    """A thread-safe LRU of rendered HTML strings."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._data: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        if not current_app.config["REGISTER_FRAGMENT_CACHE"]:
            return None
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def set(self, key: tuple, value: str) -> None:
        if not current_app.config["REGISTER_FRAGMENT_CACHE"]:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


def time_bucket() -> int:
    return int(time.time() // BUCKET_SECONDS)


def fragment_cache() -> FragmentCache:
    """The current app's fragment cache."""
    return current_app.extensions["fragment_cache"]
