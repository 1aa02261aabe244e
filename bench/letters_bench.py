"""Benchmark: 1,000 families imported, their letters printed; school-account logins per core.

    .venv/bin/python bench/letters_bench.py [--families 1000] [--logins 200]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench]

Uses the production hashing parameters (argon2id t=2, m=19 MiB, p=1) on a fresh
SQLite file (or the given database). Prints wall-clock seconds per phase, the
peak memory of the main process and of the hashing workers, and login throughput
measured through the full Flask request path (CSRF, throttle, argon2 verify,
session) on one core, next to a bare argon2 verify as the reference.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def roster_csv(families: int) -> str:
    rng = random.Random(1)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["class", "pupil_first_name", "pupil_last_name", "pupil_birth_date",
                     "guardian_first_name", "guardian_last_name", "guardian_email"])
    for n in range(families):
        level = n % 8 + 1
        class_name = f"{level}{'ab'[(n // 8) % 2]}"
        writer.writerow([class_name, f"Uczeń{n}", f"Nazwisko{n}",
                         date(2026 - 6 - level, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
                         f"Rodzic{n}", f"Nazwisko{n}", ""])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=1000)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="letters-bench-")
    os.environ["EDZ_INSTANCE_DIR"] = tmp
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"

    from flask_migrate import upgrade

    from gradebook_service import create_app
    from gradebook_service.accounts.models import SchoolAccount
    from gradebook_service.extensions import db
    from gradebook_service.letters.hashing import worker_count
    from gradebook_service.letters.services import Selection, print_letters
    from gradebook_service.roster.services import import_roster
    from gradebook_service.school.models import School, SchoolYear

    app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret",
                      "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        school = School(name="Szkoła Podstawowa nr 5 w Żorach", short_name="SP5",
                        address="ul. Szkolna 5", settings={})
        db.session.add(school)
        db.session.flush()
        db.session.add(SchoolYear(school_id=school.id, name="2026/2027",
                                  starts_on=date(2026, 9, 1), ends_on=date(2027, 6, 25),
                                  is_current=True))
        db.session.commit()

        started = time.perf_counter()
        result = import_roster(school.id, roster_csv(args.families), joined_on=date(2026, 9, 1))
        db.session.commit()
        import_seconds = time.perf_counter() - started

        cpu_self = resource.getrusage(resource.RUSAGE_SELF)
        cpu_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        printed = print_letters(school.id, Selection(new_since=date(2026, 9, 1)), None)
        db.session.commit()
        print_seconds = time.perf_counter() - started
        after_self = resource.getrusage(resource.RUSAGE_SELF)
        after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        main_cpu = (after_self.ru_utime + after_self.ru_stime
                    - cpu_self.ru_utime - cpu_self.ru_stime)
        workers_cpu = (after_children.ru_utime + after_children.ru_stime
                       - cpu_children.ru_utime - cpu_children.ru_stime)
        pdf_path = Path(tmp) / "letters.pdf"
        pdf_path.write_bytes(printed.pdf)

        self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        # Logins through the whole request path, one core (single thread).
        logins = list(printed.passwords.items())[: args.logins]
        client = app.test_client()
        started = time.perf_counter()
        cpu_before = time.process_time()
        for login, password in logins:
            client.delete_cookie("edz_gradebook_session")
            page = client.get("/login")
            token = page.data.split(b'name="csrf_token" type="hidden" value="')[1].split(b'"')[0]
            response = client.post("/login", data={"login": login, "password": password,
                                                    "csrf_token": token.decode()})
            assert response.status_code == 302, response.status_code
        login_seconds = time.perf_counter() - started
        login_cpu = time.process_time() - cpu_before
        hasher = app.extensions["hasher"]
        stored = db.session.execute(db.select(SchoolAccount.password_hash).where(
            SchoolAccount.login == logins[0][0])).scalar_one()
        started = time.process_time()
        for _ in range(len(logins)):
            hasher.verify(stored, logins[0][1])
        verify_seconds = time.process_time() - started
        # Reference in the same run: hashing alone, serially on one core.
        sample = [p for _, p in logins[:100]]
        started = time.process_time()
        for password in sample:
            hasher.hash(password)
        hash_ms = (time.process_time() - started) / len(sample) * 1000

    print(f"database: {url.split(':')[0]}; cores used for hashing: {worker_count()}")
    print(f"roster import: {result.rows} rows, {result.accounts_created} accounts "
          f"(no passwords yet) in {import_seconds:.2f} s")
    print(f"letters: {printed.pages} pages, {printed.accounts} passwords hashed and set, "
          f"PDF {len(printed.pdf) / 1e6:.1f} MB in {print_seconds:.2f} s "
          f"({print_seconds / printed.pages * 1000:.1f} ms per page)")
    print(f"letters CPU time: main process {main_cpu:.1f} s, hashing workers {workers_cpu:.1f} s "
          f"→ on {worker_count()} idle cores ≈ "
          f"{max((main_cpu + workers_cpu) / worker_count(), main_cpu):.1f} s wall")
    serial = hash_ms * printed.accounts / 1000
    print(f"reference: one argon2id hash {hash_ms:.1f} ms CPU on one core; {printed.accounts} hashes "
          f"serially = {serial:.1f} s; the print's CPU-based wall estimate is "
          f"{max((main_cpu + workers_cpu) / worker_count(), main_cpu) / serial:.2f}x that")
    print(f"peak memory: main process {self_peak:.0f} MiB, largest hashing worker "
          f"{children_peak:.0f} MiB")
    per_login = login_cpu / len(logins) * 1000
    per_verify = verify_seconds / len(logins) * 1000
    print(f"school-account login (GET /login + POST /login, one thread): {per_login:.1f} ms CPU, "
          f"{1000 / per_login:.1f} logins/s per core (wall {login_seconds / len(logins) * 1000:.1f}"
          f" ms); bare argon2 verify {per_verify:.1f} ms CPU ({1000 / per_verify:.1f}/s) — "
          f"ratio {per_verify / per_login:.2f}")


if __name__ == "__main__":
    main()
