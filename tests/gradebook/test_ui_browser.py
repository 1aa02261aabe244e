"""In a real browser at 390 and 1280 px: Polish formats, order and menu; the language choice;
counters; the calendar on a phone; axe-core on the register's staff, office and admin pages.

The gradebook runs as a real gunicorn process (fixtures from test_register_browser).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date

from gradebook_service.accounts.lost_passwords import record_reset_request
from gradebook_service.accounts.second_factor import seal_totp_secret
from gradebook_service.calendar.models import Event
from gradebook_service.extensions import db
from gradebook_service.school.models import Pupil
from shared.passwords import current_hasher
from shared.totp import new_secret
from tests.gradebook.register_factories import add_register
from tests.gradebook.test_register_browser import (  # noqa: F401 - fixtures
    PASSWORD,
    SHOTS,
    SIZES,
    _axe,
    _prepare,
    _sign_in,
    browser,
    live_gradebook,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ICONS = ["Oceny", "Frekwencja", "Wiadomości", "Ogłoszenia", "Zadania domowe", "Plan lekcji",
         "Terminarz"]
BAR = ["Organizacja", "Uczeń", "Rok szkolny", "Ankiety", "Ustawienia", "Pomoc", "Wyloguj"]


@pytest.fixture
def school():
    today = date.today()
    world, parent, teacher, totp = _prepare(today)
    add_register(world)
    klass = world.classes["1a"]
    for last, first in (("Śliwa", "Jan"), ("Grabowska", "Łucja"), ("Sowa", "Ola"),
                        ("Grabowska", "Lena"), ("Zawadzka", "Ala")):
        db.session.add(Pupil(school_id=world.school.id, class_id=klass.id, first_name=first,
                             last_name=last, birth_date=date(2019, 3, 1),
                             joined_on=world.year.starts_on))
    for days, title in ((1, "Sprawdzian: ułamki"), (5, "dzielenie pisemne"), (40, "za daleko")):
        db.session.add(Event(school_id=world.school.id, class_id=klass.id,
                             subject_id=world.subjects["math"].id,
                             teacher_id=world.teachers["math"].id, kind="test",
                             date=today + timedelta(days=days), title=title))
    admin = world.staff_accounts["admin"]
    admin.password_hash = current_hasher().hash(PASSWORD)
    admin.terms_version_accepted = teacher.terms_version_accepted
    admin_totp = new_secret()
    admin.totp_secret_encrypted = seal_totp_secret(admin_totp)
    record_reset_request(world.parent_accounts[world.pupils["1a"][1].id], admin, "zgubione hasło")
    db.session.commit()
    return world, parent, teacher, totp, admin, admin_totp


def _widest(page) -> int:
    """The right edge of the widest element (px), to catch anything wider than the viewport."""
    return page.evaluate("""() => Math.max(document.documentElement.scrollWidth,
        ...[...document.querySelectorAll('main *')].map(e => Math.ceil(e.getBoundingClientRect().right)))""")


def _names(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def test_family_pages_in_polish_formats_menu_and_phone_calendar(live_gradebook, browser, school):  # noqa: F811
    world, parent, *_ = school
    base = live_gradebook.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=SIZES["desktop"], locale="en-US",
                                  extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    _sign_in(page, base, parent.login)
    # An English browser sees Polish until the person chooses English.
    assert page.locator("html").get_attribute("lang") == "pl"
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.goto(base + "/family/")
        icons = _names(page, "ul.family-icons a > span:last-child")
        assert [re.sub(r"\s*\d+\s*nowe?.*$", "", t).strip() for t in icons][:7] == ICONS, icons
        assert _names(page, "nav.family-bar li") == BAR
        assert page.locator("ul.family-icons img[src$='.svg']").count() == 8
        messages = page.get_by_role("link", name=re.compile("^Wiadomości"))
        assert messages.get_attribute("href") == "/messages"
        page.screenshot(path=str(SHOTS / f"ui-family-home-{size}.png"), full_page=True)

        # Upcoming tests: the badge counts what is ahead, and a visit does not reset it.
        assert "Sprawdziany i wydarzenia w najbliższych dwóch tygodniach: 2" in page.inner_text("main")

        page.goto(base + "/family/grades")
        averages = page.locator("td[data-label='Średnia']").all_inner_texts()
        assert any(re.fullmatch(r"\d,\d\d", a.strip()) for a in averages), averages
        assert not any(re.search(r"\d\.\d", a) for a in averages)
        page.screenshot(path=str(SHOTS / f"ui-family-grades-{size}.png"), full_page=True)

        page.goto(base + "/family/attendance")
        main = page.inner_text("main")
        assert re.search(r"\d+,\d%", main), main[:400]
        month_heading = format_date(date.today(), "LLLL y", locale="pl")
        assert month_heading in main

        page.goto(base + "/family/calendar")
        assert page.locator("h2", has_text=month_heading).count() == 1
        assert _widest(page) <= viewport["width"], size
        overflowing = page.evaluate("""() => [...document.querySelectorAll('.cal td')]
            .filter(td => td.scrollWidth > td.clientWidth + 1).length""")
        assert overflowing == 0, size
        page.screenshot(path=str(SHOTS / f"ui-family-calendar-{size}.png"), full_page=True)
        page.goto(base + "/family/")
        assert "w najbliższych dwóch tygodniach: 2" in page.inner_text("main")

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(base + "/family/grades")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Українська").click()
    page.wait_for_load_state()
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.goto(base + "/family/")
        assert page.locator("html").get_attribute("lang") == "uk"
        assert _names(page, "nav.family-bar li") == ["Організація", "Учень", "Навчальний рік", "Опитування",
                                                      "Налаштування", "Допомога", "Вийти"]
        assert "Оцінки" in page.inner_text("ul.family-icons")
        page.screenshot(path=str(SHOTS / f"ui-family-home-uk-{size}.png"), full_page=True)
        page.goto(base + "/family/grades")
        assert "Середній бал" in page.content()  # a header, or a cell label on a phone
        assert _widest(page) <= viewport["width"] or size == "phone"
    page.goto(base + "/family/?lang=pl")
    context.close()


def test_staff_office_and_admin_pages_pass_axe_at_both_widths(live_gradebook, browser, school):  # noqa: F811
    world, parent, teacher, totp, admin, admin_totp = school
    base = live_gradebook.url
    klass, math = world.classes["1a"], world.subjects["math"]
    problems = {}

    def check(page, name):
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.reload()
            page.screenshot(path=str(SHOTS / f"ui-{name}-{size}.png"), full_page=True)
            violations = _axe(page)
            if violations:
                problems[f"{name}@{size}"] = violations
            if name == "staff-grid" and size == "desktop":
                # The grid uses the whole width (not cut at the 960 px column); more columns
                # scroll inside their frame, the page itself does not.
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                assert page.locator("form .table-wrap").bounding_box()["width"] > 1150

    anonymous = browser.new_context(bypass_csp=True, viewport=SIZES["desktop"])
    page = anonymous.new_page()
    page.goto(base + "/login")
    check(page, "login")
    page.fill("input[name=login]", teacher.login)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/second-factor**")
    check(page, "second-factor")
    anonymous.close()

    staff = browser.new_context(bypass_csp=True, viewport=SIZES["desktop"])
    page = staff.new_page()
    _sign_in(page, base, teacher.login, totp)
    staff_pages = {"staff-home": "/staff/", "staff-excuses": "/staff/excuses",
                   "staff-homework": "/staff/homework/new", "staff-event": "/staff/events/new",
                   "staff-announcement": "/staff/announcements/new",
                   "staff-history": "/staff/history",
                   "staff-grid": f"/staff/classes/{klass.id}/subjects/{math.id}/grades",
                   "staff-remarks": f"/staff/classes/{klass.id}/remarks"}
    for name, path in staff_pages.items():
        page.goto(base + path)
        assert page.locator("main").count() == 1, path
        check(page, name)
    # Polish order on the class list of the grade grid (register number first, then names).
    page.goto(base + staff_pages["staff-grid"])
    rows = [re.sub(r"^\d*\.\s*", "", t) for t in page.locator("table.grid tbody th").all_inner_texts()]
    unnumbered = [r for r in rows if not r.startswith("Klasa")]
    assert unnumbered == ["Grabowska Lena", "Grabowska Łucja", "Sowa Ola", "Śliwa Jan",
                          "Zawadzka Ala"], rows
    page.goto(base + "/staff/")
    page.get_by_role("button", name=re.compile("Rozpocznij lekcję")).first.click()
    page.wait_for_url("**/staff/lessons/**")
    check(page, "staff-lesson")
    page.set_viewport_size(SIZES["phone"])
    page.get_by_role("button", name="Wszyscy obecni").click()
    radios = page.locator("input[type=radio][value=present]")
    assert all(radios.nth(i).is_checked() for i in range(radios.count()))
    first_row = page.locator("table.attendance-sheet tbody tr").first.bounding_box()
    assert first_row["height"] < 120, first_row
    assert _widest(page) <= SIZES["phone"]["width"]
    staff.close()

    office = browser.new_context(bypass_csp=True, viewport=SIZES["desktop"])
    page = office.new_page()
    _sign_in(page, base, admin.login, admin_totp)
    admin_pages = {"office": "/office", "admin-classes": "/admin/classes",
                   "admin-class": f"/admin/classes/{klass.id}", "admin-roster": "/admin/roster",
                   "admin-letters": "/admin/letters", "admin-handover": "/admin/handover",
                   "admin-resets": "/admin/reset-requests", "admin-terms": "/admin/terms",
                   "admin-staff": "/admin/staff", "admin-timetable": "/staff/timetable/changes",
                   "admin-account": "/account"}
    for name, path in admin_pages.items():
        page.goto(base + path)
        assert page.locator("main").count() == 1, path
        check(page, name)
    page.goto(base + f"/admin/classes/{klass.id}")
    listed = [t for t in page.locator("table td:first-child").all_inner_texts()
              if any(n in t for n in ("Grabowska", "Sowa", "Śliwa", "Zawadzka"))]
    order = [next(n for n in ("Lena Grabowska", "Łucja Grabowska", "Ola Sowa", "Jan Śliwa",
                              "Ala Zawadzka") if n in t) for t in listed]
    assert order == ["Lena Grabowska", "Łucja Grabowska", "Ola Sowa", "Jan Śliwa",
                     "Ala Zawadzka"], listed
    # The new password's PDF downloads; its row says so without a reload.
    page.goto(base + "/admin/reset-requests")
    row = page.locator("tr", has_text="zgubione hasło")
    assert "otwarte" in row.inner_text()
    with page.expect_download() as download:
        row.get_by_role("button", name="Wygeneruj nowe hasło (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert "nowe hasło wydrukowane" in row.inner_text()
    assert row.get_by_role("button").count() == 0
    page.reload()
    assert "nowe hasło wydrukowane" in page.locator("tr", has_text="zgubione hasło").inner_text()
    office.close()
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
