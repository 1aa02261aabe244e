"""Password hashing cost: argon2id parameter sets against Keycloak's default, in one run.

    .venv/bin/python bench/password_hashing.py [--seconds 3]

For each argon2id configuration it reports milliseconds per verification on one
core, verifications per second per core, and the ratio to the reference measured
in the same run: PBKDF2-HMAC-SHA512 with 210,000 iterations, Keycloak's default
hashing, whose published sizing is 15 password logins per second per vCPU. The
configuration in use (shared/passwords.py defaults) is marked.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time

from argon2 import PasswordHasher, Type

from shared.passwords import DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST

CONFIGS = [
    # (label, time_cost, memory KiB, parallelism)
    ("argon2-cffi default (t=3, m=64 MiB, p=4)", 3, 65536, 4),
    ("OWASP #1 (t=1, m=46 MiB, p=1)", 1, 47104, 1),
    ("OWASP #2 (t=2, m=19 MiB, p=1)", 2, 19456, 1),
    ("OWASP #3 (t=3, m=12 MiB, p=1)", 3, 12288, 1),
    ("OWASP #5 (t=5, m=7 MiB, p=1)", 5, 7168, 1),
]


def per_second(fn, seconds: float) -> float:
    """Calls of ``fn`` per second on this thread (one core)."""
    fn()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    password = "Kotlet7Mielony"
    salt = os.urandom(16)
    reference = per_second(lambda: hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 210_000),
                           args.seconds)
    print(f"# {os.cpu_count()} cpu; one core per figure; {args.seconds:.0f} s each")
    print(f"reference  PBKDF2-SHA512 210k (Keycloak default): {1000 / reference:6.1f} ms  "
          f"{reference:6.1f} /s/core")
    in_use = (DEFAULT_TIME_COST, DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM)
    for label, t, m, p in CONFIGS:
        hasher = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p, type=Type.ID)
        stored = hasher.hash(password)
        rate = per_second(lambda h=hasher, s=stored: h.verify(s, password), args.seconds)
        mark = "  <- in use" if (t, m, p) == in_use else ""
        print(f"argon2id   {label:<42} {1000 / rate:6.1f} ms  {rate:6.1f} /s/core  "
              f"x{rate / reference:4.2f} vs reference  x{rate / 15:4.2f} vs Keycloak's 15/vCPU"
              f"{mark}")


if __name__ == "__main__":
    main()
