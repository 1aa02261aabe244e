"""The setup pages in headless Chromium: no axe-core (WCAG 2.1 A/AA) violation at 390 and
1280 px, also with a form's errors shown; screenshots under test-artifacts/screenshots/."""

from __future__ import annotations

import json

import pyotp
import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.school.classes import save_group
from gradebook_service.school.free_days import add_school_free_day
from gradebook_service.school.models import Subject
from gradebook_service.school.year_setup import create_school
from tests.gradebook import accounts_factories as f
from tests.gradebook.test_register_browser import (  # noqa: F401 - live_gradebook is a fixture
    SHOTS,
    SIZES,
    _axe,
    live_gradebook,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_setup_pages_pass_axe_at_phone_and_desktop_widths(request, chromium):
    live = request.getfixturevalue("live_gradebook")  # the register's gunicorn fixture
    school, year = create_school("Szkoła Podstawowa nr 12 w Gliwicach", "SP12",
                                 year_name="2026/2027")
    school.voivodeship = "slaskie"
    admin = f.make_staff(school, admin=True, teacher=False)
    teacher = f.make_staff(school)
    klass = f.make_class(school, "1a", homeroom=teacher.staff)
    for first, last in (("Łucja", "Nowak"), ("Lena", "Śliwa"), ("Adam", "Sowa")):
        f.make_family(klass, first=first, last=last)
    f.teach(teacher, klass)
    group, _old = save_group(klass, "niemiecki gr. 1", {klass.pupils[0].id})
    add_school_free_day(year, year.starts_on.replace(month=11, day=2),
                        year.starts_on.replace(month=11, day=2), "Dzień wolny dyrektora")
    subject_id = db.session.execute(sa.select(Subject.id).where(
        Subject.school_id == school.id)).scalar_one()
    f.commit()
    base = live.url
    pages = {"index": "/setup/", "school": "/setup/school", "years": "/setup/years",
             "free-days": "/setup/free-days", "classes": "/setup/classes",
             "class": f"/setup/classes/{klass.id}",
             "group": f"/setup/classes/{klass.id}/groups/{group.id}",
             "subjects": "/setup/subjects", "subject": f"/setup/subjects/{subject_id}",
             "staff": "/setup/staff", "assignments": "/setup/assignments"}
    context = chromium.new_context(bypass_csp=True, viewport=SIZES["desktop"], locale="pl-PL")
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=login]", admin.login)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/second-factor**")
    page.fill("input[name=code]", pyotp.TOTP(f.TOTP_SECRETS[admin.id]).now())
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, path in pages.items():
            page.goto(base + path)
            assert page.locator("main").count() == 1, path
            page.screenshot(path=str(SHOTS / f"setup-{name}-{size}.png"), full_page=True)
            if violations := _axe(page):
                problems[f"{name}@{size}"] = violations
        # A form with its errors shown (Polish, each next to its field).
        page.goto(base + "/setup/classes")
        page.fill("input[name=name]", "9z")
        page.click("form.card button[type=submit]")
        page.wait_for_load_state()
        assert "poziom 1–8" in page.content()
        page.screenshot(path=str(SHOTS / f"setup-classes-error-{size}.png"), full_page=True)
        if violations := _axe(page):
            problems[f"classes-error@{size}"] = violations
    context.close()
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
