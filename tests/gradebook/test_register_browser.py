"""In a real browser: a teacher enters attendance and a grade; the parent sees both with the
new-badge; every family page passes axe-core (WCAG 2.1 A/AA) at phone and desktop widths.

The gradebook runs as a real gunicorn process on the test database; both people sign in
through /login (the teacher with a TOTP code). axe-core is vendored in tests/gradebook/axe/.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest

from gradebook_service.accounts.second_factor import seal_totp_secret
from gradebook_service.accounts.terms import current_terms
from gradebook_service.extensions import db
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import Term
from gradebook_service.timetable.models import TimetableEntry
from shared.passwords import current_hasher
from shared.totp import new_secret
from tests.gradebook.register_factories import build_school
from tests.support.live import ROOT, ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE = Path(__file__).parent / "axe" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
FAMILY_PAGES = {"home": "/family/", "grades": "/family/grades",
                "attendance": "/family/attendance", "excuse": "/family/excuses/new",
                "timetable": "/family/timetable", "homework": "/family/homework",
                "calendar": "/family/calendar", "calendar-week": "/family/calendar?view=week",
                "announcements": "/family/announcements", "remarks": "/family/remarks",
                "pupil": "/family/pupil", "organisation": "/family/organisation",
                "help": "/family/help", "settings": "/family/settings",
                "messages": "/messages", "surveys": "/family/surveys"}
PASSWORD = "Dziennik2026x"
SECRET = "test-secret-gradebook"  # the app fixture's secret: TOTP secrets are encrypted with it


def _prepare(today: date):
    """A school whose year covers today, a maths lesson of 1a today, real sign-in credentials."""
    world = build_school(pupils_per_class=4)
    year = world.year
    if not year.starts_on <= today <= year.ends_on:
        year.starts_on, year.ends_on = today - timedelta(days=60), today + timedelta(days=200)
        world.term1.starts_on, world.term1.ends_on = year.starts_on, today + timedelta(days=30)
        world.term2.starts_on, world.term2.ends_on = today + timedelta(days=31), year.ends_on
    if today.isoweekday() > 2:  # the factory's plan has lessons on Monday and Tuesday only
        db.session.add(TimetableEntry(school_id=world.school.id, school_year_id=year.id,
                                      class_id=world.classes["1a"].id,
                                      weekday=today.isoweekday(), period_number=1,
                                      subject_id=world.subjects["math"].id,
                                      teacher_id=world.teachers["math"].id, room="12"))
    hashed = current_hasher().hash(PASSWORD)
    parent = world.parent_accounts[world.pupils["1a"][0].id]
    teacher = world.staff_accounts["math"]
    totp = new_secret()
    for account in (parent, teacher):
        account.password_hash = hashed
        account.terms_version_accepted = current_terms(world.school.id).version
    teacher.totp_secret_encrypted = seal_totp_secret(totp)
    db.session.commit()
    assert find_by_id(Term, world.term1.id) is not None
    return world, parent, teacher, totp


@pytest.fixture
def live_gradebook(gradebook_app, database_urls, tmp_path):
    proc = ServiceProcess("gradebook", {
        "GRADEBOOK_DATABASE_URL": database_urls["gradebook"], "SECRET_KEY": SECRET,
        "EDZ_INSTANCE_DIR": str(tmp_path), "RATELIMIT_STORAGE_URI": "memory://"}).start()
    yield proc
    proc.stop()


@pytest.fixture
def browser(chromium):
    """The session's headless Chromium (one Playwright per test process)."""
    return chromium


def _sign_in(page, base: str, login: str, totp: str | None = None) -> None:
    page.goto(base + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    if totp:
        page.wait_for_url("**/second-factor**")
        page.fill("input[name=code]", pyotp.TOTP(totp).now())
        page.click("form button[type=submit]")
    page.wait_for_load_state()


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return result


def test_teacher_enters_attendance_and_grade_parent_sees_them(live_gradebook, browser):
    today = date.today()
    world, parent, teacher, totp = _prepare(today)
    pupil = world.pupils["1a"][0]
    base = live_gradebook.url
    SHOTS.mkdir(parents=True, exist_ok=True)

    # The parent has visited before: what comes next is "new".
    family = browser.new_context(bypass_csp=True, viewport=SIZES["desktop"], locale="pl-PL")
    fpage = family.new_page()
    _sign_in(fpage, base, parent.login)
    assert "/family/" in fpage.url
    fpage.goto(base + "/family/grades")
    fpage.goto(base + "/family/attendance")

    # The teacher opens today's lesson, marks the pupil absent, then enters a grade.
    staff = browser.new_context(viewport=SIZES["desktop"], locale="pl-PL")
    spage = staff.new_page()
    _sign_in(spage, base, teacher.login, totp)
    spage.goto(base + "/staff/?lang=en")
    spage.get_by_role("button", name="Start lesson and attendance").first.click()
    spage.wait_for_url("**/staff/lessons/**")
    spage.fill("#topic", "Ułamki zwykłe")
    spage.check(f"input[name=a-{pupil.id}][value=absent]")
    spage.get_by_role("button", name="Save lesson").click()
    spage.wait_for_load_state()
    assert "Lesson saved." in spage.content()
    grid = (f"{base}/staff/classes/{world.classes['1a'].id}/subjects/"
            f"{world.subjects['math'].id}/grades?lang=en")
    spage.goto(grid)
    spage.fill("#description", "Sprawdzian: ułamki")
    spage.get_by_role("button", name="Add column").click()
    spage.wait_for_load_state()
    cell = spage.locator(f"input[name^=g-{pupil.id}-]").first
    cell.fill("5-")
    cell.press("Enter")  # moves down a row; the keyboard does not submit by accident
    spage.get_by_role("button", name="Save grades").click()
    spage.wait_for_load_state()
    assert "Saved: 1 change(s)." in spage.content()
    spage.screenshot(path=str(SHOTS / "staff-grid-desktop.png"), full_page=True)

    # The parent sees both, with badges on the icons.
    fpage.goto(base + "/family/?lang=en")
    assert fpage.get_by_role("link", name="Grades 1 new", exact=True).count() == 1
    assert fpage.get_by_role("link", name="Attendance 1 new", exact=True).count() == 1
    fpage.screenshot(path=str(SHOTS / "family-home-badges-desktop.png"), full_page=True)
    fpage.goto(base + "/family/grades?lang=en")
    assert fpage.locator(".grade.new", has_text="5-").count() == 1
    fpage.locator(".grade.new").first.focus()
    assert fpage.locator(".grade.new .tip").first.is_visible()
    assert "Sprawdzian: ułamki" in fpage.locator(".grade.new .tip").first.inner_text()
    fpage.goto(base + "/family/attendance?lang=en")
    assert fpage.locator(".status-absent").count() >= 1

    # Every family page: no axe violations, screenshots at phone and desktop widths.
    problems = {}
    fpage.goto(base + "/family/?lang=pl")  # Polish, the default, for the screenshots
    for size, viewport in SIZES.items():
        fpage.set_viewport_size(viewport)
        for name, path in FAMILY_PAGES.items():
            fpage.goto(base + path)
            assert fpage.locator("main").count() == 1
            fpage.screenshot(path=str(SHOTS / f"family-{name}-{size}.png"), full_page=True)
            violations = _axe(fpage)
            if violations:
                problems[f"{name}@{size}"] = violations
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
    family.close()
    staff.close()
