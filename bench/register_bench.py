"""Parent grades page vs a bare "hello" Flask view, same gunicorn setup, side by side.

    .venv/bin/python bench/register_bench.py [--db sqlite|postgresql|both] [--seconds 10]

For each database: build a school whose pupil has 300 grades across 14 subjects
(the class has 25 pupils, so 7,500 grades), start the gradebook (with one extra
"hello" route, to show the app's own per-request cost) and a one-route Flask app
under identical gunicorn settings, sign the parent in with a real
session cookie, and load both with wrk in alternating rounds. Prints a Markdown
table: requests/s, latency p50/p99, and the ratio grades/hello (target ≥ 0.5).
Also prints the SQL query count of one grades request.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-not-for-production-0123456789"
GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "4",
            "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"]
SUBJECTS = ["język polski", "matematyka", "język angielski", "język niemiecki", "historia",
            "wiedza o społeczeństwie", "geografia", "biologia", "chemia", "fizyka",
            "informatyka", "wychowanie fizyczne", "edukacja dla bezpieczeństwa", "religia"]


def database_url(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text('DROP SCHEMA IF EXISTS "edz_bench" CASCADE'))
        conn.execute(sa.text('CREATE SCHEMA "edz_bench"'))
    engine.dispose()
    return PG_URL + "?options=-csearch_path%3Dedz_bench"


def build(url: str) -> tuple[str, int]:
    """Migrate, fill the dataset; return ("name=value" session cookie, queries per request)."""
    from flask_migrate import upgrade

    from gradebook_service import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": False})
    with app.app_context():
        upgrade()
        account_id, version = fill(app)
        cookie = session_cookie(app, account_id, version)
        queries = count_queries(app, cookie)
        app.extensions["sqlalchemy"].engine.dispose()
    return cookie, queries


def session_cookie(app, account_id: int, version: int) -> str:
    """A signed-in session cookie with its server-side record, as a real sign-in leaves."""
    from gradebook_service.accounts.access import SESSION_KEY, SESSION_VERSION_KEY, open_session
    from gradebook_service.accounts.models import SchoolAccount
    from gradebook_service.school.keys import find_by_id
    from shared.session_records import SID_KEY

    db = app.extensions["sqlalchemy"]
    sid = open_session(find_by_id(SchoolAccount, account_id))
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    # As a browser holds it after its first page: permanent (as sign_in() makes it) and
    # with the CSRF token the first form stored, so no request has to change the session.
    return app.config["SESSION_COOKIE_NAME"] + "=" + serializer.dumps(
        {SESSION_KEY: account_id, SESSION_VERSION_KEY: version, SID_KEY: sid,
         "_permanent": True, "csrf_token": secrets.token_hex(20)})


def fill(app) -> tuple[int, int]:
    import sqlalchemy as sa

    from gradebook_service.accounts.models import PARENT, STAFF, SchoolAccount
    from gradebook_service.accounts.terms import current_terms
    from gradebook_service.extensions import db
    from gradebook_service.grades.models import Assessment, Grade
    from gradebook_service.grades.services import ensure_categories
    from gradebook_service.school.models import (
        Guardian,
        Guardianship,
        Pupil,
        School,
        SchoolClass,
        SchoolYear,
        StaffMember,
        Subject,
        TeachingAssignment,
        Term,
    )

    rng = random.Random(300)
    today = date.today()
    start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    school = School(name="Bench SP", short_name="Bench", settings={})
    db.session.add(school)
    db.session.flush()
    year = SchoolYear(school_id=school.id, name=f"{start.year}/{start.year + 1}",
                      starts_on=start, ends_on=date(start.year + 1, 6, 26), is_current=True)
    db.session.add(year)
    db.session.flush()
    terms = [Term(school_id=school.id, school_year_id=year.id, number=1, starts_on=start,
                  ends_on=date(start.year + 1, 2, 1)),
             Term(school_id=school.id, school_year_id=year.id, number=2,
                  starts_on=date(start.year + 1, 2, 2), ends_on=year.ends_on)]
    db.session.add_all(terms)
    teacher = StaffMember(school_id=school.id, first_name="Anna", last_name="Nowak",
                          is_teacher=True)
    db.session.add(teacher)
    db.session.flush()
    db.session.add(SchoolAccount(school_id=school.id, login="bench.t", role=STAFF,
                                 staff_id=teacher.id))
    klass = SchoolClass(school_id=school.id, school_year_id=year.id, name="7a", level=7,
                        homeroom_teacher_id=teacher.id)
    db.session.add(klass)
    db.session.flush()
    subjects = [Subject(school_id=school.id, name=n, short_name=n[:4]) for n in SUBJECTS]
    db.session.add_all(subjects)
    db.session.flush()
    for subject in subjects:
        db.session.add(TeachingAssignment(school_id=school.id, class_id=klass.id,
                                          subject_id=subject.id, teacher_id=teacher.id))
    pupils = []
    for n in range(25):
        pupils.append(Pupil(school_id=school.id, class_id=klass.id, first_name=f"Uczeń{n}",
                            last_name="Zażółć", birth_date=date(2013, 1, 1 + n),
                            joined_on=start, register_number=n + 1))
    db.session.add_all(pupils)
    guardian = Guardian(school_id=school.id, first_name="Rodzic", last_name="Zażółć")
    db.session.add(guardian)
    db.session.flush()
    link = Guardianship(school_id=school.id, pupil_id=pupils[0].id, guardian_id=guardian.id)
    db.session.add(link)
    db.session.flush()
    terms_version = current_terms(school.id).version
    parent = SchoolAccount(school_id=school.id, login="bench.p", role=PARENT,
                           guardianship_id=link.id, must_change_password=False,
                           terms_version_accepted=terms_version)
    db.session.add(parent)
    categories = ensure_categories(school.id)
    # 300 grades per pupil: 14 subjects × ~21 assessments over both terms.
    per_subject = [300 // 14 + (1 if i < 300 % 14 else 0) for i in range(14)]
    grades = []
    for subject, count in zip(subjects, per_subject, strict=True):
        for i in range(count):
            term = terms[i % 2]
            category = rng.choice(categories)
            assessment = Assessment(school_id=school.id, class_id=klass.id,
                                    subject_id=subject.id, term_id=term.id,
                                    teacher_id=teacher.id, category_id=category.id,
                                    weight=category.weight,
                                    date=term.starts_on + timedelta(days=3 * i),
                                    description=f"{category.name} {i}: ułamki i procenty")
            db.session.add(assessment)
            db.session.flush()
            for pupil in pupils:
                grades.append({"school_id": school.id, "assessment_id": assessment.id,
                               "pupil_id": pupil.id, "subject_id": subject.id,
                               "term_id": term.id, "teacher_id": teacher.id,
                               "value": rng.choice(["1", "2+", "3-", "3", "4", "4+", "5-", "5",
                                                    "6", "np", "+"])})
    db.session.execute(sa.insert(Grade), grades)
    db.session.commit()
    mine = db.session.execute(sa.select(sa.func.count()).select_from(Grade).where(
        Grade.pupil_id == pupils[0].id)).scalar()
    assert mine == 300, mine
    return parent.id, parent.session_version


def count_queries(app, cookie: str) -> int:
    import sqlalchemy as sa

    from gradebook_service.extensions import db

    client = app.test_client()
    name, value = cookie.split("=", 1)
    client.set_cookie(name, value)
    client.get("/family/grades")
    seen = []
    listener = lambda *a: seen.append(1)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    response = client.get("/family/grades")
    sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200 and "Zażółć" in response.text, (
        response.status_code, response.headers.get("Location"))
    return len(seen)


def serve(target: str, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", *GUNICORN, "--bind",
                             f"127.0.0.1:{port}", target], cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"{target} did not start")


def wrk(url: str, seconds: int, connections: int, cookie: str | None = None,
        header: str | None = None) -> dict:
    """Load ``url``; ``cookie`` (name=value) or a whole ``header`` line go with each request."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        header = f"Cookie: {cookie}"
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label):
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} failed responses\n{out}")
    return {"rps": rps, "p50": ms("50"), "p99": ms("99")}


def run(kind: str, seconds: int, connections: int, rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url(kind, Path(tmp))
        cookie, queries = build(url)
        env = {"GRADEBOOK_DATABASE_URL": url, "SECRET_KEY": SECRET, "EDZ_INSTANCE_DIR": tmp,
               "RATELIMIT_STORAGE_URI": "memory://"}
        hello = serve("bench.register_hello_app:app", 18801, env)
        book = serve("bench.register_hello_app:gradebook_with_hello()", 18802, env)
        try:
            page = requests.get("http://127.0.0.1:18802/family/grades", timeout=10,
                                headers={"Cookie": cookie})
            assert page.status_code == 200 and "Zażółć" in page.text, page.status_code
            wrk("http://127.0.0.1:18801/", 2, connections)  # warm-up
            wrk("http://127.0.0.1:18802/family/grades", 2, connections, cookie)
            results = {"hello": [], "app_hello": [], "grades": []}
            for _ in range(rounds):
                results["hello"].append(wrk("http://127.0.0.1:18801/", seconds, connections))
                results["app_hello"].append(wrk("http://127.0.0.1:18802/bench/hello", seconds,
                                                connections, cookie))
                results["grades"].append(wrk("http://127.0.0.1:18802/family/grades", seconds,
                                             connections, cookie))
        finally:
            for proc in (hello, book):
                proc.terminate()
                proc.wait(timeout=10)

    def best(rows):
        return max(rows, key=lambda r: r["rps"])

    return {"hello": best(results["hello"]), "app_hello": best(results["app_hello"]),
            "grades": best(results["grades"]), "queries": queries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    print("| database | view | requests/s | p50 ms | p99 ms | vs bare hello | SQL queries |")
    print("|---|---|---|---|---|---|---|")
    for kind in kinds:
        r = run(kind, args.seconds, args.connections, args.rounds)
        labels = {"hello": "bare hello (own Flask app)",
                  "app_hello": "hello inside the gradebook (signed in)",
                  "grades": "parent grades (300)"}
        for view in ("hello", "app_hello", "grades"):
            row = r[view]
            ratio = row["rps"] / r["hello"]["rps"]
            print(f"| {kind} | {labels[view]} | {row['rps']:.0f} | {row['p50']:.1f} | "
                  f"{row['p99']:.1f} | {ratio:.2f} | "
                  f"{r['queries'] if view == 'grades' else '—'} |", flush=True)


if __name__ == "__main__":
    main()
