"""The administrator runs the rollover wizard in headless Chromium (390 and 1280 px): the plan,
a pupil marked as repeating, the progress display, then the new year (issue 14)."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import Pupil, SchoolYear
from gradebook_service.school.year_setup import create_school
from tests.gradebook import accounts_factories as f
from tests.gradebook.test_register_browser import (  # noqa: F401 - live_gradebook is a fixture
    SHOTS,
    SIZES,
    _axe,
    live_gradebook,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.mark.parametrize("size", sorted(SIZES))
def test_admin_runs_the_rollover_wizard_and_sees_the_new_year(request, chromium, size):
    live = request.getfixturevalue("live_gradebook")
    school, _year = create_school("Szkoła Podstawowa nr 3 w Rybniku", "SP3",
                                  year_name="2026/2027")
    admin = f.make_staff(school, admin=True, teacher=False)
    teacher = f.make_staff(school)
    first = f.make_class(school, "1a", homeroom=teacher.staff)
    eighth = f.make_class(school, "8a")
    for last in ("Nowak", "Śliwa", "Sowa"):
        f.make_family(first, last=last)
    f.make_family(eighth, last="Zając")
    f.teach(teacher, first)
    f.commit()
    repeating = db.session.execute(sa.select(Pupil).where(Pupil.last_name == "Sowa")).scalar_one()
    context = chromium.new_context(bypass_csp=True, viewport=SIZES[size], locale="pl-PL")
    page = context.new_page()
    page.goto(live.url + "/login")
    page.fill("input[name=login]", admin.login)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/second-factor**")
    page.fill("input[name=code]", pyotp.TOTP(f.TOTP_SECRETS[admin.id]).now())
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    page.goto(live.url + "/setup/")
    page.get_by_role("link", name="Przejście do następnego roku szkolnego").click()
    page.wait_for_url("**/setup/rollover")
    plan = page.locator("#rollover-plan")
    assert "2a" in plan.inner_text() and "kończy szkołę" in plan.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"rollover-plan-{size}.png"), full_page=True)
    assert not _axe(page)
    page.check(f"input[name=repeating][value='{repeating.id}']")
    page.click("button[value=run]")
    page.wait_for_url("**/setup/rollover/jobs/**")
    page.locator("#rollover-job-progress").wait_for()  # the progress display (job page)
    assert "Postęp (klasy)" in page.content()
    page.locator("#rollover-new-year").wait_for(timeout=30000)  # the script reloads when done
    page.screenshot(path=str(SHOTS / f"rollover-done-{size}.png"), full_page=True)
    shown = page.locator("#rollover-new-year").inner_text()
    assert "2027/2028" in shown and "2a" in shown and "1a" in shown
    assert page.locator("#rollover-job-progress").get_attribute("value") == \
        page.locator("#rollover-job-progress").get_attribute("max")
    assert not _axe(page)
    context.close()
    db.session.expire_all()
    current = db.session.execute(sa.select(SchoolYear).where(
        SchoolYear.school_id == school.id, SchoolYear.is_current.is_(True))).scalar_one()
    assert current.name == "2027/2028"
    assert find_by_id(Pupil, repeating.id).school_class.name == "1a"
