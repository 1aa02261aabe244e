"""In a real browser (issue 14): a teacher edits homework from "Moje wpisy" on a phone and the
parent sees it marked changed; the teacher's week plan at 390 px and 1280 px with its week
switcher. Every page passes axe-core (WCAG 2.1 A/AA) and nothing scrolls sideways.

The gradebook runs as a real gunicorn process on the test database (real today's date).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from gradebook_service.extensions import db
from gradebook_service.homework.models import Homework
from gradebook_service.timetable.models import TimetableChange
from tests.gradebook.test_register_browser import (
    SECRET,
    SHOTS,
    SIZES,
    _axe,
    _prepare,
    _sign_in,
)
from tests.support.live import ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def gradebook_process(gradebook_app, database_urls, tmp_path):
    proc = ServiceProcess("gradebook", {
        "GRADEBOOK_DATABASE_URL": database_urls["gradebook"], "SECRET_KEY": SECRET,
        "EDZ_INSTANCE_DIR": str(tmp_path), "RATELIMIT_STORAGE_URI": "memory://"}).start()
    yield proc
    proc.stop()


def _weekday_after(day: date, days: int) -> date:
    day += timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_teacher_edits_homework_and_reads_the_week_plan(gradebook_process, chromium):
    today = date.today()
    world, parent, teacher, totp = _prepare(today)
    monday = today - timedelta(days=today.weekday())
    db.session.add(Homework(school_id=world.school.id, class_id=world.classes["1a"].id,
                            subject_id=world.subjects["math"].id,
                            teacher_id=world.teachers["math"].id, assigned_on=today,
                            due_on=_weekday_after(today, 2), description="Zadania 1–5 ze str. 40"))
    # This week 1b's Monday maths lesson is cancelled and the teacher substitutes in 1a's Polish.
    db.session.add_all([
        TimetableChange(school_id=world.school.id, class_id=world.classes["1b"].id, date=monday,
                        period_number=4, kind="cancellation"),
        TimetableChange(school_id=world.school.id, class_id=world.classes["1a"].id, date=monday,
                        period_number=2, kind="substitution",
                        teacher_id=world.teachers["math"].id)])
    db.session.commit()
    base = gradebook_process.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}

    staff = chromium.new_context(bypass_csp=True, viewport=SIZES["phone"],
                                 locale="pl-PL")
    spage = staff.new_page()
    _sign_in(spage, base, teacher.login, totp)
    spage.goto(base + "/staff/entries")
    assert spage.get_by_role("heading", name="Moje wpisy").count() == 1
    violations = _axe(spage)
    if violations:
        problems["entries@phone"] = violations
    spage.screenshot(path=str(SHOTS / "staff-entries-phone.png"), full_page=True)
    assert _no_sideways_scroll(spage)
    spage.get_by_role("link", name="Edytuj").first.click()
    spage.wait_for_url("**/staff/homework/*/edit")
    violations = _axe(spage)
    if violations:
        problems["homework-edit@phone"] = violations
    spage.fill("#description", "Zadania 1–8 ze str. 41")
    spage.get_by_role("button", name="Zapisz").click()
    spage.wait_for_url("**/staff/entries?kind=homework")
    assert "Zapisano zadanie domowe." in spage.content()
    row = spage.locator("tbody tr").first
    assert "Zadania 1–8 ze str. 41" in row.inner_text() and "zmieniono" in row.inner_text()

    # The parent sees the new text, marked changed.
    family = chromium.new_context(bypass_csp=True, viewport=SIZES["phone"],
                                 locale="pl-PL")
    fpage = family.new_page()
    _sign_in(fpage, base, parent.login)
    fpage.goto(base + "/family/homework")
    card = fpage.locator(".card", has_text="Zadania 1–8 ze str. 41")
    assert card.count() == 1 and "zmieniono" in card.inner_text()
    assert "Zadania 1–5" not in fpage.content()
    fpage.screenshot(path=str(SHOTS / "family-homework-changed-phone.png"), full_page=True)
    violations = _axe(fpage)
    if violations:
        problems["family-homework@phone"] = violations

    # Deleting asks first: dismissed, nothing goes; accepted, the homework leaves the page.
    spage.goto(base + "/staff/entries?kind=homework")
    spage.once("dialog", lambda dialog: dialog.dismiss())
    spage.get_by_role("button", name="Usuń").first.click()
    assert spage.locator("tbody tr", has_text="Zadania 1–8").count() == 1
    spage.once("dialog", lambda dialog: dialog.accept())
    with spage.expect_navigation():
        spage.get_by_role("button", name="Usuń").first.click()
    assert spage.locator("tbody tr", has_text="Zadania 1–8").count() == 0
    fpage.goto(base + "/family/homework")
    assert "Zadania 1–8" not in fpage.content()

    # The week plan at both widths, with the switcher.
    for size, viewport in SIZES.items():
        spage.set_viewport_size(viewport)
        spage.goto(base + f"/staff/week?week={monday.isoformat()}")
        first_day = spage.locator(f"#day-{monday.isoformat()}").locator("xpath=..")
        text = first_day.inner_text()
        assert "zastępstwo" in text and "Język polski" in text
        assert first_day.locator(".cancelled").count() == 1
        assert _no_sideways_scroll(spage), size
        spage.screenshot(path=str(SHOTS / f"staff-week-{size}.png"), full_page=True)
        violations = _axe(spage)
        if violations:
            problems[f"week@{size}"] = violations
        days = spage.locator(".week-day")
        boxes = [days.nth(i).bounding_box() for i in range(5)]
        if size == "desktop":  # five columns side by side
            assert len({round(b["y"]) for b in boxes}) == 1
        else:  # one below the other
            assert all(boxes[i]["y"] < boxes[i + 1]["y"] for i in range(4))
        spage.get_by_role("link", name="Następny tydzień").click()
        spage.wait_for_load_state()
        following = monday + timedelta(days=7)
        assert spage.locator(f"#day-{following.isoformat()}").count() == 1
        spage.get_by_role("link", name="Poprzedni tydzień").click()
        spage.wait_for_load_state()
        assert spage.locator(f"#day-{monday.isoformat()}").count() == 1
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
    staff.close()
    family.close()
