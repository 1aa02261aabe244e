"""A real school from nothing, as the README's "Starting a school" says, in headless Chromium.

The CLI (real processes) creates the schema, the school and the first administrator's
letter; everything after is the web UI of a real gunicorn process: the administrator's
first sign-in with the second factor, subjects, a teacher (and their letter), a class,
the teaching assignment, bell times and the timetable, the roster and the families'
letters; then the teacher signs in (second factor), takes attendance and enters a grade,
and the parent signs in and sees both.
"""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
import pytest
from pypdf import PdfReader

from gradebook_service.school.calendar_rules import public_holidays, statutory_breaks
from tests.gradebook.test_register_browser import SHOTS, SIZES
from tests.support.databases import database_url, drop_schemas
from tests.support.live import ROOT, ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECRET = "journey-secret-0123456789abcdef0123456789abcdef"
NEW_PASSWORD = "Spokojny7Las"


def _letters(path: Path, containing: str = "") -> list[tuple[str, str]]:
    """(login, password) pairs printed on the pages of a letter PDF that mention ``containing``."""
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages]
    text = "\n".join(p for p in pages if containing in p)
    return list(zip(re.findall(r"Login:\s*(\S+)", text),
                    re.findall(r"(?:Hasło|Password):\s*(\S+)", text), strict=True))


def _school_day(today: date) -> bool:
    free = {d for d, _n in public_holidays(today, today)}
    start_year = today.year if today.month >= 9 else today.year - 1
    in_break = any(a <= today <= b for a, b, _n in statutory_breaks(start_year))
    return today.weekday() < 5 and today not in free and not in_break and today.month not in (7, 8)


def _first_sign_in(page, base: str, login: str, password: str, staff: bool) -> None:
    """The letter's password, then a new password and the terms (and the second factor)."""
    page.goto(base + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/first-login**")
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=new_password_confirm]", NEW_PASSWORD)
    page.check("input[name=accept_terms]")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    if staff:
        page.wait_for_url("**/second-factor/setup**")
        secret = page.locator("code.secret").inner_text().replace(" ", "")
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
        page.click("main form button[type=submit]")
        page.wait_for_load_state()


def _submit(page, form_selector: str = "form.card") -> None:
    page.click(f"{form_selector} button[type=submit]")
    page.wait_for_load_state()


def test_a_school_from_nothing_to_the_parent_seeing_a_grade(db_backend, tmp_path, request,
                                                            chromium):
    # The school's day, as the server counts it (Europe/Warsaw): between 23:00 and 24:00 UTC
    # the UTC date is already yesterday there.
    today = datetime.now(ZoneInfo("Europe/Warsaw")).date()
    if not _school_day(today):
        pytest.skip("today is not a school day: no lesson can be taken today")
    url = database_url(db_backend, "journey_gradebook", "x", tmp_path)
    request.addfinalizer(lambda: drop_schemas(db_backend, ["journey_gradebook"], "x"))
    env = {"GRADEBOOK_DATABASE_URL": url, "SECRET_KEY": SECRET, "EDZ_INSTANCE_DIR": str(tmp_path),
           "RATELIMIT_STORAGE_URI": "memory://"}

    # 1. The README's commands, as printed there.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Starting a school", 1)[1].split("\n## ", 1)[0]
    for command in re.findall(r"^flask --app gradebook_service (.+)$", section, re.MULTILINE):
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "gradebook_service",
                                 *shlex.split(command)], cwd=tmp_path,
                                env={"PATH": "/usr/bin:/bin", **env},
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (command, result.stderr)
    (admin_login, admin_password), = _letters(tmp_path / "pierwszy-administrator.pdf")

    service = ServiceProcess("gradebook", env).start()
    request.addfinalizer(service.stop)
    base = service.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    office = chromium.new_context(viewport=SIZES["desktop"], locale="pl-PL", accept_downloads=True)
    admin = office.new_page()

    # 2. The administrator's first sign-in: own password, terms, second factor.
    _first_sign_in(admin, base, admin_login, admin_password, staff=True)

    # 3. The school in the web UI: a subject, a teacher, a class, the assignment.
    admin.goto(base + "/setup/subjects")
    admin.fill("input[name=name]", "matematyka")
    admin.fill("input[name=short_name]", "mat")
    _submit(admin)
    subject_href = admin.get_by_role("link", name="matematyka", exact=True).get_attribute("href")
    subject_id = int(subject_href.rstrip("/").split("/")[-1])
    admin.goto(base + "/admin/staff")
    admin.fill("input[name=first_name]", "Ewa")
    admin.fill("input[name=last_name]", "Lis")
    admin.fill("input[name=login]", "ewa.lis")
    admin.check("input[name=is_teacher]")
    with admin.expect_download() as download:
        admin.click("form.card button[type=submit]")
    teacher_letter = tmp_path / "nauczyciel.pdf"
    download.value.save_as(teacher_letter)
    (teacher_login, teacher_password), = _letters(teacher_letter)
    admin.goto(base + "/setup/classes")
    admin.fill("input[name=name]", "4a")
    admin.select_option("select[name=homeroom_teacher_id]", label="Lis Ewa")
    _submit(admin)
    class_href = admin.get_by_role("link", name="4a", exact=True).get_attribute("href")
    class_id = int(class_href.rstrip("/").split("/")[-1])
    admin.goto(base + "/setup/assignments")
    admin.select_option("select[name=target]", label="klasa 4a")
    admin.select_option("select[name=subject_id]", label="matematyka")
    admin.select_option("select[name=teacher_id]", label="Lis Ewa")
    _submit(admin)
    assert "Ewa Lis" in admin.locator("table").inner_text()

    # 4. Bell times and the timetable: today, first lesson, maths with Ewa Lis.
    admin.goto(base + "/admin/bell-times")
    admin.fill("#number-0", "1")
    admin.fill("#starts-0", "08:00")
    admin.fill("#ends-0", "08:45")
    _submit(admin)
    admin.goto(f"{base}/admin/timetable/classes/{class_id}")
    admin.select_option("#weekday", str(today.isoweekday()))
    admin.select_option("#period", "1")
    admin.select_option("#subject_id", label="matematyka")
    admin.select_option("#teacher_id", label="Lis Ewa")
    admin.fill("#room", "12")
    admin.click("form:has(#weekday) button[type=submit]")
    admin.wait_for_load_state()
    admin.screenshot(path=str(SHOTS / "journey-timetable-desktop.png"), full_page=True)

    # 5. The roster and the families' letters.
    roster = tmp_path / "4a.csv"
    roster.write_text("class,pupil_first_name,pupil_last_name,pupil_birth_date,"
                      "guardian_first_name,guardian_last_name,guardian_email\n"
                      "4a,Łucja,Śliwa,2016-04-02,Marta,Śliwa,\n"
                      "4a,Lena,Sowa,2016-07-19,Piotr,Sowa,\n", encoding="utf-8")
    admin.goto(base + "/admin/roster")
    admin.set_input_files("input[name=file]", str(roster))
    admin.click("main form button[type=submit]")
    admin.wait_for_load_state()
    admin.goto(f"{base}/setup/classes/{class_id}")
    numbers = admin.locator("ol.plain").inner_text()
    assert numbers.index("Sowa") < numbers.index("Śliwa")  # Polish order: Ś after S
    admin.goto(base + "/admin/letters")
    admin.select_option("select[name=class_name]", "4a")
    admin.click("main form button[type=submit]")
    admin.wait_for_selector("#letter-job-done button", state="visible", timeout=60_000)
    with admin.expect_download() as download:
        admin.click("#letter-job-done button")
    family_letters = tmp_path / "4a.pdf"
    download.value.save_as(family_letters)
    credentials = dict(_letters(family_letters, containing="Piotr Sowa"))
    parent_login = next(login for login in credentials if not login.endswith("u"))

    # 6. The teacher: first sign-in with the second factor, attendance, a grade.
    staff = chromium.new_context(viewport=SIZES["desktop"], locale="pl-PL")
    teacher = staff.new_page()
    _first_sign_in(teacher, base, teacher_login, teacher_password, staff=True)
    teacher.goto(base + "/staff/?lang=en")
    teacher.get_by_role("button", name="Start lesson and attendance").first.click()
    teacher.wait_for_url("**/staff/lessons/**")
    teacher.fill("#topic", "Ułamki zwykłe")
    teacher.locator("tr:has-text('Sowa Lena') input[value=absent]").check()
    teacher.get_by_role("button", name="Save lesson").click()
    teacher.wait_for_load_state()
    assert "Lesson saved." in teacher.content()
    teacher.goto(f"{base}/staff/classes/{class_id}/subjects/{subject_id}/grades?lang=en")
    teacher.fill("#description", "Sprawdzian: ułamki")
    teacher.get_by_role("button", name="Add column").click()
    teacher.wait_for_load_state()
    teacher.locator("tr:has-text('Sowa Lena') input[name^=g-]").first.fill("5-")
    teacher.get_by_role("button", name="Save grades").click()
    teacher.wait_for_load_state()
    assert "Saved: 1 change(s)." in teacher.content()

    # 7. The parent: the letter, a new password and the terms; the grade and the absence.
    home = chromium.new_context(viewport=SIZES["phone"], locale="pl-PL")
    parent = home.new_page()
    _first_sign_in(parent, base, parent_login, credentials[parent_login], staff=False)
    parent.goto(base + "/family/grades?lang=en")
    parent.screenshot(path=str(SHOTS / "journey-parent-grades-phone.png"), full_page=True)
    assert parent.locator(".grade", has_text="5-").count() == 1
    assert "Sprawdzian: ułamki" in parent.content()
    parent.goto(base + "/family/attendance?lang=en")
    assert parent.locator(".status-absent").count() >= 1
    assert "matematyka" in parent.content().lower()
    for context in (office, staff, home):
        context.close()
