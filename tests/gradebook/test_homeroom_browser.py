"""The homeroom pages in a real browser at 390 and 1280 px: axe-core clean, nothing wider than
the screen but the tables' own scrolling frames, the chart drawn, the PDF downloadable."""

from __future__ import annotations

from datetime import date

import pytest

from gradebook_service.extensions import db
from tests.gradebook.homeroom_factories import add_pupils, give_behaviour, give_final
from tests.gradebook.register_factories import add_register
from tests.gradebook.test_register_browser import (  # noqa: F401 - fixtures
    SHOTS,
    SIZES,
    _axe,
    _prepare,
    _sign_in,
    browser,
    live_gradebook,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PAGES = {"grades": "/", "attendance": "/attendance", "risks": "/risks",
         "classification": "/classification?period=year"}


def test_homeroom_pages_at_both_widths(live_gradebook, browser):  # noqa: F811
    world, _parent, teacher, totp = _prepare(date.today())
    add_register(world)
    add_pupils(world, "1a", 21, last_name="Żółkiewska")
    pupil = world.pupils["1a"][1]
    for key in ("math", "polish", "history"):
        give_final(world, pupil, key, 1 if key == "math" else 4)
    give_behaviour(world, pupil, "good")
    db.session.commit()
    base = live_gradebook.url
    prefix = f"/staff/classes/{world.classes['1a'].id}/homeroom"
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(bypass_csp=True, viewport=SIZES["desktop"])
    page = context.new_page()
    _sign_in(page, base, teacher.login, totp)
    page.goto(base + "/staff/")
    page.click(f"a[href='{prefix}/']")
    assert page.locator("h1").inner_text().startswith("Moja klasa 1a")
    problems = {}
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, path in PAGES.items():
            page.goto(base + prefix + path)
            page.screenshot(path=str(SHOTS / f"homeroom-{name}-{size}.png"), full_page=True)
            violations = _axe(page)
            if violations:
                problems[f"{name}@{size}"] = violations
            # the page itself never scrolls sideways: wide tables scroll in their frame
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], \
                (name, size)
    assert not problems, problems
    page.goto(base + prefix + "/attendance")
    assert page.locator("svg.bar-chart rect").count() >= 2
    page.goto(base + prefix + "/risks")
    assert pupil.last_name in page.locator("main table").inner_text()
    page.goto(base + prefix + "/classification?period=year")
    with page.expect_download() as download:
        page.click("text=Pobierz PDF")
    assert download.value.suggested_filename.endswith(".pdf")
    context.close()
