"""In a real browser: a teacher creates a survey, a parent answers it on a phone, the teacher
sees the bar charts; the pages pass axe-core (WCAG 2.1 A/AA) at 390 and 1280 px."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.gradebook.test_register_browser import (  # noqa: F401 - fixtures used by name
    SHOTS,
    SIZES,
    _axe,
    _prepare,
    _sign_in,
    browser,
    live_gradebook,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_teacher_creates_parent_answers_teacher_sees_charts(live_gradebook, browser):  # noqa: F811
    today = date.today()
    world, parent, teacher, totp = _prepare(today)
    base = live_gradebook.url
    SHOTS.mkdir(parents=True, exist_ok=True)

    staff = browser.new_context(bypass_csp=True, viewport=SIZES["desktop"], locale="pl-PL")
    spage = staff.new_page()
    _sign_in(spage, base, teacher.login, totp)
    spage.goto(base + "/staff/surveys/new")
    spage.fill("#title", "Wycieczka klasowa")
    spage.select_option("#audience", "class")
    spage.select_option("#class_id", str(world.classes["1a"].id))
    spage.uncheck("#anonymous")
    spage.fill("#closes_on", (today + timedelta(days=7)).isoformat())
    spage.fill("#text-1", "Dokąd jedziemy?")
    spage.select_option("#kind-1", "single")
    spage.fill("#options-1", "Kraków\nGdańsk")
    spage.fill("#text-2", "Uwagi")
    spage.select_option("#kind-2", "text")
    spage.uncheck("#required-2")
    for n in range(3, 6):
        spage.uncheck(f"#required-{n}")
    spage.get_by_role("button", name="Utwórz ankietę").click()
    spage.wait_for_load_state()
    assert "Ankieta została utworzona." in spage.content()

    family = browser.new_context(bypass_csp=True, viewport=SIZES["phone"], locale="pl-PL")
    fpage = family.new_page()
    _sign_in(fpage, base, parent.login)
    fpage.goto(base + "/family/surveys")
    fpage.get_by_role("link", name="Wypełnij ankietę").click()
    fpage.wait_for_load_state()
    assert _axe(fpage) == []
    fpage.screenshot(path=str(SHOTS / "survey-answer-phone.png"), full_page=True)
    fpage.get_by_label("Gdańsk").check()
    fpage.fill("textarea", "<script>window.pwned=1</script>Dziękujemy")
    fpage.get_by_role("button", name="Wyślij odpowiedzi").click()
    fpage.wait_for_load_state()
    assert "Dziękujemy, odpowiedzi zostały zapisane." in fpage.content()
    assert "Ankieta została już przez Ciebie wypełniona." in fpage.content()

    spage.reload()
    spage.wait_for_load_state()
    assert spage.locator("svg.bar-chart").count() == 1
    assert "1 (100%)" in spage.content()
    assert spage.evaluate("window.pwned") is None  # shown as text, never run (even without CSP)
    assert _axe(spage) == []
    spage.screenshot(path=str(SHOTS / "survey-results-desktop.png"), full_page=True)
    spage.set_viewport_size(SIZES["phone"])
    spage.screenshot(path=str(SHOTS / "survey-results-phone.png"), full_page=True)
    family.close()
    staff.close()


def test_notification_preferences_page_is_accessible(live_gradebook, browser):  # noqa: F811
    world, parent, teacher, totp = _prepare(date.today())
    for size in ("phone", "desktop"):
        context = browser.new_context(bypass_csp=True, viewport=SIZES[size], locale="pl-PL")
        page = context.new_page()
        _sign_in(page, live_gradebook.url, parent.login)
        page.goto(live_gradebook.url + "/notifications/preferences")
        page.check("#mode-grade-digest")
        page.get_by_role("button", name="Zapisz").click()
        page.wait_for_load_state()
        assert "Ustawienia powiadomień zostały zapisane." in page.content()
        assert page.is_checked("#mode-grade-digest")
        assert _axe(page) == []
        page.screenshot(path=str(SHOTS / f"notification-preferences-{size}.png"), full_page=True)
        context.close()
