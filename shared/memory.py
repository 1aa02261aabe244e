"""Give large freed blocks back to the system at once (glibc malloc), so worker RSS stays flat.

Every password check allocates argon2id's working memory in one block (19 MiB at
OWASP's parameters, ``shared/passwords.py``). glibc serves blocks above its mmap
threshold with ``mmap`` and unmaps them on free, but it *raises* that threshold to
the size of each such block freed: from the second sign-in on, the 19 MiB come from
the heap and stay resident after ``free`` — once per malloc arena, and a threaded
worker (gunicorn gthread, granian's blocking threads) has an arena per thread. A
fixed threshold turns that adjustment off. Measured (docs/benchmarks.md, issue 16):
IdP worker after warm-up 116 -> 96 MiB; four hashes in a thread 33 -> 14 MiB.
"""

from __future__ import annotations

import ctypes
import ctypes.util

#: glibc's ``mallopt`` parameter number (malloc.h) and its documented default value.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold at its default; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl, macOS: no mallopt, nothing to fix
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
