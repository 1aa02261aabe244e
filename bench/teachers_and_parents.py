"""Teachers entering grades and attendance while parents read: no lost write, no deadlock.

    .venv/bin/python bench/teachers_and_parents.py                  # 30 teachers, 500 parents, 5 min
    .venv/bin/python bench/teachers_and_parents.py --teachers 10 --parents 50 --minutes 1   # quick

Brings up the ``deploy/`` layout with the demo school, readies ``--teachers`` teachers
(password and a TOTP key each: staff sign in with a second factor) and ``--parents``
parent logins (``bench/ready_logins.py``). During ``--minutes``, each teacher in turn,
as in the browser: opens the staff home page; adds a grade column to one of their
classes, types a grade for every pupil and saves the grid; starts one of today's
lessons (or reopens it), marks every pupil's attendance and saves. Meanwhile the
parents sign in with their school logins and read the family pages.

Afterwards, read from PostgreSQL: every saved grade cell exists with the value typed,
every saved lesson's attendance holds the last marks saved (no lost write), and
PostgreSQL's ``deadlocks`` counter for the database did not move. Prints statuses,
p50/p99 per page and the load average. Exit 1 on a 5xx, a lost write or a deadlock.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import re
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
import pyotp  # noqa: E402

from bench import loadclient as lc  # noqa: E402

GRID_LINK = re.compile(r'href="(/staff/classes/(\d+)/subjects/(\d+)/grades)"')
OPEN_FORM = re.compile(r'action="/staff/lessons/open">(.*?)</form>', re.S)
HIDDEN = re.compile(r'name="(class_id|subject_id|date|period)" value="([^"]*)"')
CELL = re.compile(r'name="g-(\d+)-(\d+)"')
CATEGORY = re.compile(r'<select id="category_id" name="category_id"><option value="(\d+)"')
MARK = re.compile(r'name="a-(\d+)" value="([^"]+)"')
VALUES = ["1", "2", "3", "4", "5", "6", "3+", "4-", "5-"]


class Ledger:
    """What the server acknowledged (a 303 to the saved page, then 200): the rows that must exist."""

    def __init__(self) -> None:
        self.grades: dict[tuple[int, int], str] = {}          # (pupil_id, assessment_id) -> value
        self.attendance: dict[tuple[int, int], str] = {}      # (lesson_id, pupil_id) -> code


async def sign_in_teacher(browser: lc.Browser, gradebook: str, person: dict) -> bool:
    await lc.school_sign_in(browser, gradebook, person["login"], person["password"])
    if "/login/second-factor" not in browser.last_page and 'name="code"' not in browser.last_page:
        return False
    status, final, body = await browser.post_form(gradebook + "/login/second-factor",
                                                  "staff POST /login/second-factor",
                                                  {"code": pyotp.TOTP(person["totp_secret"]).now()})
    return status == 200 and 'name="code"' not in body


async def enter_grades(browser: lc.Browser, gradebook: str, home: str, ledger: Ledger, rng) -> bool:
    links = GRID_LINK.findall(home)
    if not links:
        return False
    path, _class_id, _subject_id = rng.choice(links)
    status, _, grid = await browser.get(gradebook + path, "staff GET grades grid")
    category = CATEGORY.search(grid)
    if status != 200 or not category:
        return False
    before = {int(a) for _, a in CELL.findall(grid)}
    assessments_url = gradebook + path.rsplit("/", 1)[0] + "/assessments"
    status, _, grid = await browser.post_form(assessments_url, "staff POST add column", {
        "category_id": category.group(1), "date": date.today().isoformat(),
        "description": f"bench {rng.randrange(10**6)}"})
    cells = CELL.findall(grid)
    new = {int(a) for _, a in cells} - before
    if status != 200 or len(new) != 1:
        return False
    column = new.pop()
    typed = {(int(p), column): rng.choice(VALUES) for p, a in cells if int(a) == column}
    fields = {f"g-{p}-{a}": value for (p, a), value in typed.items()}
    status, _, _ = await browser.post_form(gradebook + path, "staff POST grades grid", fields)
    if status == 200:
        ledger.grades.update(typed)
        return True
    return False


async def take_attendance(browser: lc.Browser, gradebook: str, home: str, ledger: Ledger,
                          rng) -> bool | None:
    """Open one of today's lessons from the home page and save its attendance (None: none today)."""
    forms = [dict(HIDDEN.findall(form)) for form in OPEN_FORM.findall(home)]
    if not forms:
        return None
    status, final, page = await browser.post_form(gradebook + "/staff/lessons/open",
                                                  "staff POST open lesson", rng.choice(forms))
    lesson = re.search(r"/staff/lessons/(\d+)$", final)
    if status != 200 or not lesson:
        return False
    choices = collections.defaultdict(list)
    for pupil, code in MARK.findall(page):
        choices[int(pupil)].append(code)
    marks = {pupil: rng.choice(codes[:3]) for pupil, codes in choices.items()}
    fields = {"topic": f"Temat {rng.randrange(1000)}", **{f"a-{p}": c for p, c in marks.items()}}
    status, _, _ = await browser.post_form(final, "staff POST lesson attendance", fields)
    if status == 200:
        for pupil, code in marks.items():
            ledger.attendance[(int(lesson.group(1)), pupil)] = code
        return True
    return False


async def teacher(number: int, person: dict, info: dict, stats: lc.Stats, ledger: Ledger,
                  until: float, think: float, done: collections.Counter) -> None:
    browser, rng = lc.Browser(3000 + number, stats), random.Random(number)
    gradebook = info["gradebook_url"]
    try:
        if not await sign_in_teacher(browser, gradebook, person):
            done["teacher sign-in failed"] += 1
            return
        while time.monotonic() < until:
            status, _, home = await browser.get(gradebook + "/staff/", "staff GET /staff/")
            ok = await enter_grades(browser, gradebook, home, ledger, rng)
            done["grade grids saved" if ok else "grade grid not saved"] += 1
            await asyncio.sleep(think)
            ok = await take_attendance(browser, gradebook, home, ledger, rng)
            done["no lesson of theirs today" if ok is None else
                 "lessons saved" if ok else "lesson not saved"] += 1
            await asyncio.sleep(think)
    except (TimeoutError, aiohttp.ClientError) as exc:
        done[f"client error {type(exc).__name__}"] += 1
    finally:
        await browser.close()


CHECK = """
import json, os, sys
import psycopg
data = json.load(sys.stdin)
url = os.environ["GRADEBOOK_DATABASE_URL"]
with psycopg.connect(url) as conn:
    grades = {f"{p}-{a}": v for p, a, v in conn.execute(
        "SELECT pupil_id, assessment_id, value FROM grade WHERE assessment_id = ANY(%s)",
        (sorted({a for a in data["assessments"]}),))}
    marks = {f"{l}-{p}": (t or s) for l, p, s, t in conn.execute(
        "SELECT lesson_id, pupil_id, status, type_code FROM attendance WHERE lesson_id = ANY(%s)",
        (sorted({l for l in data["lessons"]}),))}
    deadlocks = conn.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
                             ).fetchone()[0]
print(json.dumps({"grades": grades, "marks": marks, "deadlocks": deadlocks}))
"""


def database_state(info: dict, ledger: Ledger) -> dict:
    import subprocess

    payload = json.dumps({"assessments": [a for _, a in ledger.grades],
                          "lessons": [lesson for lesson, _ in ledger.attendance]})
    out = subprocess.run([str(lc.ROOT / ".venv" / "bin" / "python"), "-c", CHECK], input=payload,
                         env=lc.layout_env(info), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


async def run(args, info: dict, teachers: list[dict]) -> tuple[lc.Stats, Ledger, collections.Counter, float]:
    stats, ledger, done = lc.Stats(), Ledger(), collections.Counter()
    began = time.monotonic()
    until = began + args.minutes * 60
    await asyncio.gather(
        *(teacher(i, t, info, stats, ledger, until, args.think, done) for i, t in enumerate(teachers)),
        *(lc.parent_reading(i, p, info["gradebook_url"], stats, until, args.parent_think, done)
          for i, p in enumerate(info["parents"][:args.parents])))
    return stats, ledger, done, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=30)
    parser.add_argument("--parents", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a teacher's saves")
    parser.add_argument("--parent-think", type=float, default=5.0)
    parser.add_argument("--reuse", action="store_true", help="use the running layout")
    args = parser.parse_args()
    command = "bench/teachers_and_parents.py " + " ".join(sys.argv[1:])
    info = lc.layout(lc.seed_for(args.parents, args.teachers), args.parents,
                     restart=not args.reuse)
    teachers = json.loads(lc.python(info, str(lc.ROOT / "bench" / "ready_logins.py"),
                                    "--count", str(args.teachers), "--staff"))
    if len(teachers) < args.teachers:
        sys.exit(f"the demo school has {len(teachers)} teachers, {args.teachers} needed")
    before = database_state(info, Ledger())["deadlocks"]
    print(lc.header(f"{len(teachers)} teachers enter grades and attendance while {args.parents} "
                    "parents read", command), flush=True)
    cpu_began = time.process_time()
    stats, ledger, done, elapsed = asyncio.run(run(args, info, teachers))
    state = database_state(info, ledger)
    lost_grades = [k for k, v in ledger.grades.items() if state["grades"].get(f"{k[0]}-{k[1]}") != v]
    lost_marks = [k for k, v in ledger.attendance.items() if state["marks"].get(f"{k[0]}-{k[1]}") != v]
    deadlocks = state["deadlocks"] - before
    print(f"ran {elapsed:.0f} s; load average after {lc.load()}")
    print(lc.client_cpu(cpu_began, elapsed, stats) + "\n")
    for key, value in sorted(done.items()):
        print(f"* {key}: {value}")
    print(f"* grade cells acknowledged: {len(ledger.grades)}, missing or different in the database: "
          f"{len(lost_grades)}")
    print(f"* attendance marks acknowledged: {len(ledger.attendance)}, missing or different: "
          f"{len(lost_marks)}")
    print(f"* PostgreSQL deadlocks during the run: {deadlocks}")
    print(f"* statuses: {dict(sorted(stats.statuses.items()))}\n")
    print(stats.table())
    # Every page a teacher or parent opens here is their own: a 404 is a refused lesson
    # or pupil (the finding of the first run: a lesson opened under another teacher).
    refused = stats.statuses.get(404, 0)
    lc.verdict(info, stats, [problem for problem, found in (
        (f"lost grades {lost_grades[:5]}", lost_grades), (f"lost marks {lost_marks[:5]}", lost_marks),
        (f"{deadlocks} deadlocks", deadlocks), (f"{refused} × 404", refused)) if found])


if __name__ == "__main__":
    main()
