"""Hash many generated passwords at once on every core (argon2id dominates letter printing).

Workers are started with the ``spawn`` method: the web process is threaded and
holds database connections, which a forked child must not inherit. Only this
module and argon2 are imported in the workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TypeVar

from argon2 import PasswordHasher, Type

#: Below this many passwords a pool costs more than it saves.
POOL_THRESHOLD = 24
CHUNK = 16

_hasher: PasswordHasher | None = None
T = TypeVar("T")


def _init_worker(time_cost: int, memory_cost: int, parallelism: int) -> None:
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                             parallelism=parallelism, type=Type.ID)


def _hash_chunk(passwords: list[str]) -> list[str]:
    return [_hasher.hash(p) for p in passwords]


def worker_count() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def hash_many(passwords: list[str], params: tuple[int, int, int],
              progress: Callable[[int], None] | None = None,
              workers: int | None = None,
              meanwhile: Callable[[], T] | None = None) -> tuple[list[str], T | None]:
    """Return argon2id hashes of ``passwords`` (same order) with ``params`` = (t, m, p).

    ``meanwhile`` runs in this process while the workers hash (letters are rendered
    then); its result is returned with the hashes.
    """
    workers = workers or worker_count()
    if len(passwords) < POOL_THRESHOLD or workers == 1:
        _init_worker(*params)
        hashes = []
        for password in passwords:
            hashes.append(_hasher.hash(password))
            if progress:
                progress(1)
        return hashes, (meanwhile() if meanwhile else None)
    chunks = [passwords[i:i + CHUNK] for i in range(0, len(passwords), CHUNK)]
    results: list[list[str] | None] = [None] * len(chunks)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                             initargs=params) as pool:
        futures = {pool.submit(_hash_chunk, chunk): i for i, chunk in enumerate(chunks)}
        side = meanwhile() if meanwhile else None
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            if progress:
                progress(len(chunks[index]))
    return [h for chunk in results for h in chunk], side
