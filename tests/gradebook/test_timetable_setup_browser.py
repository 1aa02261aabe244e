"""In a real browser: the administrator plans the week (a clash is refused and named) and every
timetable and grading setup page passes axe-core (WCAG 2.1 A/AA) at 390 and 1280 px.

The gradebook runs as a real gunicorn process; the administrator signs in through /login
with a TOTP code. The family grades page of a class 2 pupil shows the descriptive grade.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gradebook_service.accounts.second_factor import seal_totp_secret
from gradebook_service.accounts.terms import current_terms
from gradebook_service.extensions import db
from gradebook_service.grades.models import DescriptiveGrade
from gradebook_service.school.models import ClassGroup
from gradebook_service.timetable.models import TimetableEntry
from shared.passwords import current_hasher
from shared.totp import new_secret
from tests.gradebook.register_factories import build_school
from tests.gradebook.test_register_browser import PASSWORD, SHOTS, SIZES, _axe, _sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# The gunicorn process fixture of the register's browser test, shared rather than copied.
from tests.gradebook.test_register_browser import live_gradebook  # noqa: E402, F401


def _prepare():
    world = build_school(level=2)
    db.session.add(ClassGroup(school_id=world.school.id, class_id=world.classes["1a"].id,
                              name="ang. 1"))
    hashed = current_hasher().hash(PASSWORD)
    admin = world.staff_accounts["admin"]
    parent = world.parent_accounts[world.pupils["1a"][0].id]
    totp = new_secret()
    for account in (admin, parent):
        account.password_hash = hashed
        account.terms_version_accepted = current_terms(world.school.id).version
    admin.totp_secret_encrypted = seal_totp_secret(totp)
    db.session.add(DescriptiveGrade(
        school_id=world.school.id, pupil_id=world.pupils["1a"][0].id,
        school_year_id=world.year.id, subject_id=world.subjects["math"].id, period="term",
        text="Liczy sprawnie w zakresie 100.", teacher_id=world.teachers["math"].id))
    db.session.commit()
    return world, admin, parent, totp


def test_admin_plans_the_week_and_setup_pages_are_accessible(live_gradebook,  # noqa: F811
                                                             chromium):
    world, admin, parent, totp = _prepare()
    base = live_gradebook.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    klass = world.classes["1a"]
    # One context (a TOTP code works once); CSP bypassed only to inject axe-core.
    context = chromium.new_context(bypass_csp=True, viewport=SIZES["desktop"], locale="pl-PL")
    page = context.new_page()
    _sign_in(page, base, admin.login, totp)

    # A lesson for Anna Nowak on Monday, period 4 — she teaches 1b then: refused and named.
    page.goto(f"{base}/admin/timetable/classes/{klass.id}")
    page.select_option("#weekday", "1")
    page.select_option("#period", "4")
    page.select_option("#subject_id", str(world.subjects["math"].id))
    page.select_option("#teacher_id", str(world.teachers["math"].id))
    page.fill("#room", "30")
    page.get_by_role("button", name="Dodaj", exact=True).click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert").inner_text()
    assert "Poniedziałek, lekcja 4: Anna Nowak ma już lekcję w klasie 1b (Matematyka)." in alert
    # Period 5 is free for her and for 1a: added to the grid.
    page.select_option("#period", "5")
    page.get_by_role("button", name="Dodaj", exact=True).click()
    page.wait_for_load_state()
    assert "Dodano lekcję do planu." in page.content()
    assert db.session.execute(sa.select(TimetableEntry.id).where(
        TimetableEntry.class_id == klass.id, TimetableEntry.weekday == 1,
        TimetableEntry.period_number == 5)).first() is not None

    category = db.session.execute(sa.text(
        "select id from grade_category where school_id = :s limit 1"),
        {"s": world.school.id}).scalar()
    entry = db.session.execute(sa.select(TimetableEntry.id).where(
        TimetableEntry.class_id == klass.id).limit(1)).scalar()
    pages = {"setup-index": "/setup/", "bell-times": "/admin/bell-times",
             "timetable": "/admin/timetable", "timetable-class": f"/admin/timetable/classes/{klass.id}",
             "timetable-entry": f"/admin/timetable/entries/{entry}",
             "timetable-import": "/admin/timetable/import",
             "categories": "/admin/grades/categories",
             "category": f"/admin/grades/categories/{category}",
             "grade-rules": "/admin/grades/rules", "school-settings": "/setup/settings/"}
    axe_page = page
    failures = {}
    for size_name, size in SIZES.items():
        axe_page.set_viewport_size(size)
        for name, url in pages.items():
            axe_page.goto(base + url)
            assert axe_page.title() and "404" not in axe_page.title(), url
            violations = _axe(axe_page)
            if violations:
                failures[(name, size_name)] = violations
            axe_page.screenshot(path=str(SHOTS / f"setup-b-{name}-{size_name}.png"),
                                full_page=True)
        # an error state too: a bad bell time shown again with its explanation
        axe_page.goto(base + "/admin/bell-times")
        axe_page.fill("#starts-0", "09:00")
        axe_page.get_by_role("button", name="Zapisz").click()
        axe_page.wait_for_load_state()
        assert "musi być przed końcem" in axe_page.content()
        violations = _axe(axe_page)
        if violations:
            failures[("bell-times-error", size_name)] = violations
        axe_page.screenshot(path=str(SHOTS / f"setup-b-bell-times-error-{size_name}.png"),
                            full_page=True)
    assert not failures, failures

    family = chromium.new_context(viewport=SIZES["phone"], locale="pl-PL")
    fpage = family.new_page()
    _sign_in(fpage, base, parent.login)
    fpage.goto(base + "/family/grades")
    assert "Liczy sprawnie w zakresie 100." in fpage.content()
    fpage.screenshot(path=str(SHOTS / "setup-b-family-descriptive-phone.png"), full_page=True)
    for ctx in (context, family):
        ctx.close()
