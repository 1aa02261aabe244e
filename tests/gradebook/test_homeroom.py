"""The homeroom teacher's class: what the pages show, who may open them, the exports."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from pypdf import PdfReader

from gradebook_service.core.models import AuditEvent
from gradebook_service.extensions import db
from gradebook_service.school.models import StaffMember
from tests.gradebook.homeroom_factories import add_pupils, give_behaviour, give_final
from tests.gradebook.register_factories import TODAY, build_school, sign_in, staff_account

PAGES = ["", "/attendance", "/risks", "/classification", "/classification.pdf",
         "/classification.csv"]


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def world(gradebook_app, frozen):
    """School A with class 1a (4 pupils, a month of lessons and grades) and school B."""
    a = build_school("A", pupils_per_class=4, lessons=True)
    p = a.pupils["1a"]
    for key in ("math", "polish", "history"):  # pupil 2: honours; pupil 1: a final 1
        give_final(a, p[2], key, 5 if key != "history" else 6)
        give_final(a, p[1], key, 1 if key == "math" else 3)
    give_final(a, p[3], "history", 1, period="term", stage="proposed")
    give_behaviour(a, p[2], "very_good")
    give_behaviour(a, p[1], "exemplary")
    a.pupils["1a"][0].first_name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    return a


def _url(world, suffix="", class_name="1a", **query):
    base = f"/staff/classes/{world.classes[class_name].id}/homeroom{suffix or '/'}"
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_overview_shows_every_subject_with_averages_and_final_grades(gradebook_client, world):
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get(_url(world, period="year")).text
    for name in ("Matematyka", "Język polski", "Historia"):
        assert name in page
    # 5, 4+, 3-, np, 5 (weight 3 each): (5 + 4.5 + 2.75 + 5) / 4 = 4.3125 → 4,31 in Polish
    assert "4,31" in page
    assert 'class="at-risk"' in page  # pupil 1's final 1 in maths stands out
    assert "bardzo dobre" in page  # behaviour grades in Polish


def test_attendance_per_pupil_and_month_with_polish_percentages_and_a_chart(gradebook_client,
                                                                           world):
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get(_url(world, "/attendance")).text
    # pupil 0 missed the 3 lessons of the first Monday out of 12: 75%; the class 45 of 48
    assert "75,0%" in page and "100,0%" in page and "93,8%" in page
    assert "wrzesień 2026" in page and "październik 2026" in page
    assert "<svg" in page and 'role="img"' in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]  # drawn by the server


def test_risks_follow_the_schools_threshold(gradebook_client, world):
    p = world.pupils["1a"]
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get(_url(world, "/risks")).text
    assert p[1].last_name in page  # a final 1
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "Uczeń4" in rows  # a proposed 1 in the term is a risk too
    assert "Uczeń1 " not in rows and "75,0%" not in rows  # 75% is above the legal 50%
    assert "attendance_threshold" not in page  # only the administrator sets the threshold
    sign_in(gradebook_client, world.staff_accounts["admin"])
    response = gradebook_client.post(_url(world, "/risks"), data={"attendance_threshold": "80"})
    assert response.status_code == 303
    rows = gradebook_client.get(_url(world, "/risks")).text.split("<tbody>", 1)[1]
    assert "75,0%" in rows and "frekwencja poniżej progu" in rows
    assert db.session.execute(db.select(AuditEvent).where(
        AuditEvent.event == "homeroom.threshold_changed")).scalar_one()


@pytest.mark.parametrize("typed", ["abc", "101", "-5", ""])
def test_a_wrong_threshold_is_refused_in_polish(gradebook_client, world, typed):
    sign_in(gradebook_client, world.staff_accounts["admin"])
    gradebook_client.get(_url(world, "/risks"))
    response = gradebook_client.post(_url(world, "/risks"), data={"attendance_threshold": typed})
    assert response.status_code == 422
    assert 'class="errors"' in response.text
    assert "Podaj próg" in response.text or "Wpisz wartość procentową" in response.text
    db.session.expire_all()
    assert "classification" not in (world.school.settings or {})


def test_only_the_administrator_posts_the_threshold(gradebook_client, world):
    sign_in(gradebook_client, world.staff_accounts["math"])
    gradebook_client.get(_url(world, "/risks"))
    response = gradebook_client.post(_url(world, "/risks"), data={"attendance_threshold": "90"})
    assert response.status_code == 404


def test_classification_page_and_exports_agree(gradebook_client, world):
    p = world.pupils["1a"]
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get(_url(world, "/classification", period="year")).text
    assert "promowany z wyróżnieniem" in page and "niepromowany" in page
    assert "5,33" in page  # pupil 2: (5 + 5 + 6) / 3

    response = gradebook_client.get(_url(world, "/classification.csv", period="year"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "no-store" in response.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Nr", "Uczeń"] and "Zachowanie" in rows[0]
    assert len(rows) == 1 + len(p)
    by_name = {r[1]: r for r in rows[1:]}
    first = rows[1]
    assert first[1].startswith("'=")  # the formula is shown as text, never run
    honours = by_name[p[2].full_name]
    assert honours[-1] == "promowany z wyróżnieniem" and honours[-3] == "5,33"
    assert honours[-4] == "bardzo dobre" and honours[-2] == "100,0%"
    assert by_name[p[1].full_name][-1] == "niepromowany"

    response = gradebook_client.get(_url(world, "/classification.pdf", period="year"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for pupil in p[1:]:
        assert pupil.full_name in text
    assert "Zestawienie klasyfikacyjne" in text and "5,33" in text
    assert "wyróżnieniem" in text and "Język polski" in text
    events = db.session.execute(db.select(AuditEvent).where(
        AuditEvent.event == "homeroom.sheet_exported")).scalars().all()
    assert len(events) == 2


def test_descriptive_class_shows_texts_not_averages(gradebook_app, gradebook_client, frozen):
    a = build_school("C", pupils_per_class=2, lessons=True, level=2)
    sign_in(gradebook_client, a.staff_accounts["math"])
    page = gradebook_client.get(_url(a)).text
    assert "4,31" not in page and "opisow" in page
    sheet = gradebook_client.get(_url(a, "/classification.csv", period="year")).text
    assert "4,31" not in sheet


def test_staff_home_links_the_homeroom_pages(gradebook_client, world):
    sign_in(gradebook_client, world.staff_accounts["math"])
    assert _url(world) in gradebook_client.get("/staff/").text
    sign_in(gradebook_client, world.staff_accounts["history"])  # leads no class
    assert "/homeroom/" not in gradebook_client.get("/staff/").text


# --- who may open the pages ------------------------------------------------------------

def _people(world, other):
    outsider = StaffMember(school_id=world.school.id, first_name="Ela", last_name="Obca",
                           is_teacher=True, is_secretary=True)
    db.session.add(outsider)
    db.session.flush()
    secretary = staff_account(world.school, outsider)
    db.session.commit()
    p = world.pupils["1a"][1]
    return {"homeroom": world.staff_accounts["math"], "admin": world.staff_accounts["admin"],
            "teacher of 1a": world.staff_accounts["polish"],
            "teacher of nothing here": world.staff_accounts["history"],
            "secretary": secretary, "parent": world.parent_accounts[p.id],
            "pupil": world.pupil_accounts[p.id], "other school's admin": other}


ALLOWED = {"homeroom", "admin"}


@pytest.mark.parametrize("suffix", PAGES)
def test_permission_matrix(gradebook_client, world, suffix):
    other = build_school("B").staff_accounts["admin"]
    for who, account in _people(world, other).items():
        sign_in(gradebook_client, account)
        status = gradebook_client.get(_url(world, suffix)).status_code
        assert status == (200 if who in ALLOWED else 404), (who, suffix, status)


def test_another_homeroom_teacher_opens_only_their_own_class(gradebook_client, world):
    sign_in(gradebook_client, world.staff_accounts["polish"])  # leads 1b, teaches 1a
    assert gradebook_client.get(_url(world, class_name="1b")).status_code == 200
    assert gradebook_client.get(_url(world, class_name="1a")).status_code == 404
    assert gradebook_client.get("/staff/classes/999999/homeroom/").status_code == 404


@pytest.mark.parametrize("suffix", PAGES)
def test_anonymous_is_sent_to_login(gradebook_client, world, suffix):
    response = gradebook_client.get(_url(world, suffix))
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_a_class_of_25(gradebook_client, world):
    add_pupils(world, "1a", 21)
    db.session.commit()
    sign_in(gradebook_client, world.staff_accounts["math"])
    rows = list(csv.reader(io.StringIO(gradebook_client.get(
        _url(world, "/classification.csv")).text.lstrip("\ufeff"))))
    assert len(rows) == 26
    pdf = PdfReader(io.BytesIO(gradebook_client.get(_url(world, "/classification.pdf")).data))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert all(f"Nowy{i} Dodany" in text for i in range(21))


def test_the_class_list_shows_the_classes_one_leads(gradebook_client, world):
    one, two = (f"/staff/classes/{world.classes[n].id}/homeroom/" for n in ("1a", "1b"))
    sign_in(gradebook_client, world.staff_accounts["admin"])
    assert "/staff/homeroom/" in gradebook_client.get("/staff/").text
    page = gradebook_client.get("/staff/homeroom/").text
    assert one in page and two in page and "wychowawca: Anna Nowak" in page
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get("/staff/homeroom/").text
    assert one in page and two not in page
    for account in (world.staff_accounts["history"],
                    world.parent_accounts[world.pupils["1a"][0].id]):
        sign_in(gradebook_client, account)
        assert gradebook_client.get("/staff/homeroom/").status_code == 404
