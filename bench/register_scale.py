"""Register pages on a large PostgreSQL deployment vs a small one (indexes, no scans).

    .venv/bin/python bench/register_scale.py --schools 100 [--weeks 8] [--skip-build]

Builds two schemas with the real Alembic migration: ``edz_scale_small`` (1 school)
and ``edz_scale_large`` (``--schools`` schools). Each school: 8 levels × 4 classes ×
25 pupils (800 pupils, a parent login each), 45 teachers, 10 subjects, a weekly
timetable, ``--weeks`` weeks of lessons with attendance for every pupil, and about 40
grades per pupil. 100 schools ≈ 80,000 pupils and ≈ 20 million grade, attendance and
lesson rows. Rows are generated as text and loaded with COPY (psycopg), with foreign-key
triggers off during the load (``session_replication_role = replica``) and indexes in
place; ANALYZE afterwards.

Then, for a parent in each deployment, times every family page in-process (median of
``--repeat`` requests, fragment cache off so the real queries run) and reads
``pg_stat_user_tables`` to report any sequential scan of the big tables during them.
Prints a Markdown table: small ms, large ms, ratio (target ≤ 2).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-not-for-production-0123456789"
PAGES = ["/family/", "/family/grades", "/family/attendance", "/family/excuses/new",
         "/family/timetable", "/family/homework", "/family/calendar",
         "/family/announcements", "/family/remarks", "/family/pupil", "/family/organisation"]
BIG = ("grade", "attendance", "lesson", "assessment", "pupil", "school_account", "guardianship",
       "guardian", "timetable_entry", "teaching_assignment", "section_visit")
LEVELS, SECTIONS, PER_CLASS, TEACHERS = 8, "abcd", 25, 45
SUBJECTS = ["język polski", "matematyka", "język angielski", "przyroda", "historia",
            "wychowanie fizyczne", "plastyka", "muzyka", "informatyka", "religia"]
HOURS = [5, 4, 3, 2, 2, 4, 1, 1, 1, 2]  # 25 a week
CATEGORIES = [("Test", 5, True), ("Quiz", 3, True), ("Oral answer", 2, True),
              ("Homework", 1, True), ("Activity", 1, True), ("Diagnostic test", 1, False)]
VALUES = ["1", "2", "2+", "3-", "3", "3+", "4-", "4", "4+", "5-", "5", "5+", "6", "np", "+"]


def psycopg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def school_year(today: date) -> tuple[date, date, date]:
    start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    return start, date(start.year + 1, 2, 1), date(start.year + 1, 6, 26)


class Ids:
    """Explicit ids per table (no RETURNING round trips during the load)."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def next(self, table: str) -> int:
        self.last[table] = self.last.get(table, 0) + 1
        return self.last[table]


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


class Loader:
    """Buffers rows per table and COPYs them."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.buffers: dict[tuple[str, tuple[str, ...]], io.StringIO] = {}
        self.rows = 0

    def add(self, table: str, columns: tuple[str, ...], row: tuple) -> None:
        buf = self.buffers.setdefault((table, columns), io.StringIO())
        buf.write("\t".join(_text(v) for v in row))
        buf.write("\n")
        self.rows += 1

    def add_raw(self, table: str, columns: tuple[str, ...], lines: str) -> None:
        self.buffers.setdefault((table, columns), io.StringIO()).write(lines)
        self.rows += lines.count("\n")

    def flush(self) -> None:
        with self.conn.cursor() as cur:
            for (table, columns), buf in self.buffers.items():
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(buf.getvalue())
        self.buffers.clear()


def generate_school(load: Loader, ids: Ids, n: int, today: date, weeks: int) -> int:
    """One school's rows; return the id of a parent account to sign in as."""
    import random

    from gradebook_service.accounts.models import SchoolAccount
    from gradebook_service.school.models import Pupil, directory_digest

    rng = random.Random(n)  # noqa: S311 - reproducible data
    now = datetime.now(UTC).isoformat(sep=" ")
    start, term1_end, end = school_year(today)
    sid = ids.next("school")
    load.add("school", ("id", "name", "short_name", "address", "phone", "email", "settings",
                        "created_at"),
             (sid, f"Szkoła Podstawowa nr {n}", f"SP {n}", f"ul. Szkolna {n}", "32 000 00 00",
              f"sp{n}@example.org", "{}", now))
    year = ids.next("school_year")
    load.add("school_year", ("id", "school_id", "name", "starts_on", "ends_on", "is_current"),
             (year, sid, f"{start.year}/{start.year + 1}", start, end, True))
    t1, t2 = ids.next("term"), ids.next("term")
    for tid, number, a, b in ((t1, 1, start, term1_end),
                              (t2, 2, term1_end + timedelta(days=1), end)):
        load.add("term", ("id", "school_id", "school_year_id", "number", "starts_on",
                          "ends_on"), (tid, sid, year, number, a, b))
    load.add("terms_version", ("id", "school_id", "version", "body", "created_at"),
             (ids.next("terms_version"), sid, 1, "Regulamin", now))
    for number in range(1, 9):
        minute = 8 * 60 + (number - 1) * 55
        load.add("lesson_period", ("id", "school_id", "number", "starts_at", "ends_at"),
                 (ids.next("lesson_period"), sid, number, f"{minute // 60}:{minute % 60:02}",
                  f"{(minute + 45) // 60}:{(minute + 45) % 60:02}"))
    teachers = []
    for i in range(TEACHERS):
        tid = ids.next("staff_member")
        teachers.append(tid)
        load.add("staff_member", ("id", "school_id", "first_name", "last_name", "email",
                                  "is_teacher", "is_secretary", "is_admin", "created_at"),
                 (tid, sid, "Nauczyciel", f"Nr {i}", None, True, False, i == 0, now))
    subjects = []
    for name in SUBJECTS:
        subject_id = ids.next("subject")
        subjects.append(subject_id)
        load.add("subject", ("id", "school_id", "name", "short_name"),
                 (subject_id, sid, name, name[:4]))
    categories = []
    for name, weight, counts in CATEGORIES:
        cid = ids.next("grade_category")
        categories.append((cid, weight))
        load.add("grade_category", ("id", "school_id", "name", "weight", "counts_to_average",
                                    "colour", "active", "updated_at"),
                 (cid, sid, name, weight, counts, "blue", True, now))
    parent_to_sign_in = None
    busy_teacher: set[tuple[int, int, int]] = set()
    load_per_teacher: dict[int, int] = {}
    lessons_cols = ("id", "school_id", "class_id", "subject_id", "teacher_id", "date",
                    "period_number", "topic", "number", "created_at")
    att_cols = ("id", "school_id", "lesson_id", "pupil_id", "subject_id", "date", "status",
                "created_at", "updated_at")
    grade_cols = ("id", "school_id", "assessment_id", "pupil_id", "subject_id", "term_id",
                  "value", "teacher_id", "created_at", "updated_at")
    school_days = []
    day = today - timedelta(days=7 * weeks)
    while day < today:
        if day.weekday() < 5 and day >= start:
            school_days.append(day)
        day += timedelta(days=1)
    for level in range(1, LEVELS + 1):
        for section in SECTIONS:
            cid = ids.next("school_class")
            homeroom = teachers[(cid * 7) % TEACHERS]
            load.add("school_class", ("id", "school_id", "school_year_id", "name", "level",
                                      "homeroom_teacher_id"),
                     (cid, sid, year, f"{level}{section}", level, homeroom))
            pupils = []
            for k in range(PER_CLASS):
                pid, gid, gsid, aid = (ids.next("pupil"), ids.next("guardian"),
                                       ids.next("guardianship"), ids.next("school_account"))
                pupils.append(pid)
                load.add("pupil", ("id", "school_id", "class_id", "ref", "first_name",
                                   "last_name", "birth_date", "joined_on", "register_number",
                                   "created_at"),
                         (pid, sid, cid, f"p{pid}", f"Uczeń{k}", f"Nazwisko{pid}",
                          date(start.year - 6 - level, 1 + k % 12, 1 + k), start, k + 1, now))
                load.add("guardian", ("id", "school_id", "first_name", "last_name", "email",
                                      "created_at"), (gid, sid, "Rodzic", f"Nazwisko{pid}",
                                                      None, now))
                load.add("guardianship", ("id", "school_id", "pupil_id", "guardian_id",
                                          "position"), (gsid, sid, pid, gid, 1))
                load.add("school_account", ("id", "school_id", "login", "ref", "role",
                                            "guardianship_id", "must_change_password",
                                            "terms_version_accepted", "is_active",
                                            "session_version", "created_at"),
                         (aid, sid, f"s{sid}a{aid}", f"a{aid}", "parent", gsid, False, 1, True,
                          1, now))
                # The values unique across schools, as the ORM's flush would record them.
                for model, column, value in ((Pupil, "ref", f"p{pid}"),
                                             (SchoolAccount, "login", f"s{sid}a{aid}"),
                                             (SchoolAccount, "ref", f"a{aid}")):
                    load.add("key_directory", ("digest", "school_id"),
                             (directory_digest(model, column, value), sid))
                if parent_to_sign_in is None:
                    parent_to_sign_in = aid
            # Timetable: each subject's hours with a teacher free in those slots.
            busy_class: set[tuple[int, int]] = set()
            entries = []
            for subject_id, hours in zip(subjects, HOURS, strict=True):
                teacher = min(teachers, key=lambda t: (load_per_teacher.get(t, 0),
                                                       (t * 31 + subject_id) % 97))
                load_per_teacher[teacher] = load_per_teacher.get(teacher, 0) + hours
                load.add("teaching_assignment", ("id", "school_id", "class_id", "subject_id",
                                                 "teacher_id"),
                         (ids.next("teaching_assignment"), sid, cid, subject_id, teacher))
                placed = 0
                for slot in range(40):
                    weekday, period = 1 + (slot + subject_id) % 5, 1 + slot // 5
                    if placed == hours:
                        break
                    if (weekday, period) in busy_class or (teacher, weekday, period) in \
                            busy_teacher:
                        continue
                    busy_class.add((weekday, period))
                    busy_teacher.add((teacher, weekday, period))
                    entries.append((weekday, period, subject_id, teacher))
                    load.add("timetable_entry", ("id", "school_id", "school_year_id",
                                                 "class_id", "weekday", "period_number",
                                                 "subject_id", "teacher_id", "room"),
                             (ids.next("timetable_entry"), sid, year, cid, weekday, period,
                              subject_id, teacher, str(100 + cid % 40)))
                    placed += 1
            # Lessons and attendance.
            for day in school_days:
                weekday = day.isoweekday()
                for wd, period, subject_id, teacher in entries:
                    if wd != weekday:
                        continue
                    lid = ids.next("lesson")
                    load.add_raw("lesson", lessons_cols,
                                 f"{lid}\t{sid}\t{cid}\t{subject_id}\t{teacher}\t{day}\t{period}"
                                 f"\tTemat\t\\N\t{now}\n")
                    first = ids.last.get("attendance", 0) + 1
                    ids.last["attendance"] = first + len(pupils) - 1
                    lines = []
                    for offset, pid in enumerate(pupils):
                        r = rng.random()
                        status = ("absent" if r < 0.04 else "excused" if r < 0.07
                                  else "late" if r < 0.08 else "present")
                        lines.append(f"{first + offset}\t{sid}\t{lid}\t{pid}\t{subject_id}\t"
                                     f"{day}\t{status}\t{now}\t{now}\n")
                    load.add_raw("attendance", att_cols, "".join(lines))
            # About 40 grades per pupil: 4 assessments per subject this term.
            for subject_id, _hours in zip(subjects, HOURS, strict=True):
                teacher = next(t for wd, p, s, t in entries if s == subject_id) \
                    if any(s == subject_id for _w, _p, s, _t in entries) else teachers[0]
                for a in range(4):
                    category, weight = categories[a % len(categories)]
                    aid = ids.next("assessment")
                    when = max(start, today - timedelta(days=7 * (a + 1)))
                    load.add("assessment", ("id", "school_id", "class_id", "subject_id",
                                            "term_id", "teacher_id", "category_id", "weight",
                                            "date", "description", "created_at"),
                             (aid, sid, cid, subject_id, t1 if when <= term1_end else t2,
                              teacher, category, weight, when, "Sprawdzian", now))
                    first = ids.last.get("grade", 0) + 1
                    ids.last["grade"] = first + len(pupils) - 1
                    term = t1 if when <= term1_end else t2
                    load.add_raw("grade", grade_cols, "".join(
                        f"{first + o}\t{sid}\t{aid}\t{pid}\t{subject_id}\t{term}\t"
                        f"{VALUES[(pid * 7 + aid) % len(VALUES)]}\t{teacher}\t{now}\t{now}\n"
                        for o, pid in enumerate(pupils)))
    return parent_to_sign_in


def build(schema: str, schools: int, weeks: int, today: date) -> tuple[str, int, float, int]:
    """Create the schema with the migration, load it; return (url, parent id, seconds, rows)."""
    import psycopg
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from gradebook_service import create_app

    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade()
        app.extensions["sqlalchemy"].engine.dispose()
    started = time.monotonic()
    ids = Ids()
    parent = None
    rows = 0
    with psycopg.connect(psycopg_dsn(PG_URL), options=f"-csearch_path={schema}") as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers during COPY
        conn.execute("SET synchronous_commit = off")
        for n in range(1, schools + 1):
            load = Loader(conn)
            school_parent = generate_school(load, ids, n, today, weeks)
            parent = parent or school_parent
            if n == (schools + 1) // 2:
                parent = school_parent  # sign in at a school in the middle of the data
            load.flush()
            rows += load.rows
            conn.commit()
            if n % 10 == 0 or n == schools:
                print(f"  {schema}: {n} schools, {rows:,} rows, "
                      f"{time.monotonic() - started:.0f} s", flush=True)
        conn.execute("SET session_replication_role = origin")
        for table, last in ids.last.items():
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})")
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
    return url, parent, time.monotonic() - started, rows


def measure(url: str, parent_id: int, schema: str, repeat: int) -> tuple[dict, dict]:
    """Median ms per family page, and sequential scans of big tables during them."""
    import psycopg

    from bench.register_bench import session_cookie
    from gradebook_service import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                      "REGISTER_FRAGMENT_CACHE": False})
    with app.test_request_context():
        cookie = session_cookie(app, parent_id, 1)  # with its server-side session record
    client = app.test_client()
    client.set_cookie(*cookie.split("=", 1))
    for page in PAGES:  # warm up: first visits write their rows, caches fill
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)

    def scans():
        with psycopg.connect(psycopg_dsn(PG_URL)) as conn:
            return dict(conn.execute(
                "SELECT relname, seq_scan FROM pg_stat_user_tables WHERE schemaname = %s",
                (schema,)).fetchall())

    time.sleep(1.0)
    before = scans()
    timings = {}
    for page in PAGES:
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            client.get(page)
            samples.append((time.perf_counter() - t0) * 1000)
        timings[page] = statistics.median(samples)
    time.sleep(1.0)
    after = scans()
    seq = {t: after.get(t, 0) - before.get(t, 0) for t in BIG if after.get(t, 0) > before.get(t, 0)}
    return timings, seq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-build", action="store_true",
                        help="measure the schemas built by an earlier run")
    args = parser.parse_args()
    today = date.today()
    results = {}
    for schema, schools in (("edz_scale_small", 1), ("edz_scale_large", args.schools)):
        if args.skip_build:
            import psycopg

            with psycopg.connect(psycopg_dsn(PG_URL), options=f"-csearch_path={schema}") as c:
                count = c.execute("SELECT count(*) FROM school").fetchone()[0]
                middle = (count + 1) // 2
                parent = c.execute("SELECT min(id) FROM school_account WHERE school_id = %s "
                                   "AND role = 'parent'", (middle,)).fetchone()[0]
                rows = 0
            url = f"{PG_URL}?options=-csearch_path%3D{schema}"
            seconds, schools = 0.0, count
        else:
            url, parent, seconds, rows = build(schema, schools, args.weeks, today)
        results[schema] = [{}, {}, seconds, rows, schools, url, parent]
    # Alternate small and large rounds (the machine is shared: noise hits both alike) and
    # keep each page's best median.
    for _round in range(args.rounds):
        for schema, entry in results.items():
            timings, seq = measure(entry[5], entry[6], schema, args.repeat)
            for page, ms in timings.items():
                entry[0][page] = min(ms, entry[0].get(page, ms))
            for table, n in seq.items():
                entry[1][table] = entry[1].get(table, 0) + n
    small, large = results["edz_scale_small"], results["edz_scale_large"]
    print(f"\nLoad: small {small[3]:,} rows in {small[2]:.0f} s; "
          f"large ({large[4]} schools) {large[3]:,} rows in {large[2]:.0f} s")
    print(f"\n| page | 1 school (ms) | {large[4]} schools (ms) | ratio |")
    print("|---|---|---|---|")
    worst = 0.0
    for page in PAGES:
        ratio = large[0][page] / small[0][page]
        worst = max(worst, ratio)
        print(f"| `{page}` | {small[0][page]:.1f} | {large[0][page]:.1f} | {ratio:.2f} |")
    print(f"\nWorst ratio: {worst:.2f} (target ≤ 2). Sequential scans of big tables during the "
          f"large run: {large[1] or 'none'}")


if __name__ == "__main__":
    main()
