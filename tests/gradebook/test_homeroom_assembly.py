"""The homeroom's assembly of risks and the sheet from loaded data: no database needed."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from gradebook_service.grades.classification import (
    FAILING_GRADE,
    HONOURS,
    INCOMPLETE,
    LOW_ATTENDANCE,
    NOT_PROMOTED,
    ClassificationRules,
)
from gradebook_service.homeroom.attendance import ClassAttendance, Tally, year_months
from gradebook_service.homeroom.overview import Cell, Overview
from gradebook_service.homeroom.services import classification_sheet, pupils_at_risk

MATH, POLISH = SimpleNamespace(id=1, name="Matematyka"), SimpleNamespace(id=2, name="Polski")


def _overview(cells, behaviour=None, descriptive=False):
    pupils = [SimpleNamespace(id=i, register_number=i, full_name=f"P{i}") for i in (1, 2, 3)]
    return Overview(None, None, pupils, [MATH, POLISH], cells, descriptive, behaviour or {})


def _attendance(by_pupil):
    return ClassAttendance([], by_pupil={(pid, period): Tally(a, m)
                                         for (pid, period), (a, m) in by_pupil.items()})


def test_risks_name_the_failing_subjects_and_low_attendance():
    overview = _overview({(1, 1): Cell(finals={("term", "proposed"): 1}),
                          (2, 2): Cell(finals={("year", "final"): 2})})
    attendance = _attendance({(1, "year"): (90, 10), (2, "year"): (40, 60),
                              (3, "year"): (50, 50)})
    found = {r.pupil.id: r for r in pupils_at_risk(overview, attendance, ClassificationRules())}
    assert set(found) == {1, 2}
    assert found[1].reasons == (FAILING_GRADE,) and found[1].failing == ["Matematyka"]
    assert found[2].reasons == (LOW_ATTENDANCE,) and found[2].attendance == 40.0


def test_sheet_uses_the_periods_final_grades_behaviour_and_attendance():
    overview = _overview({
        (1, 1): Cell(finals={("year", "final"): 5, ("term", "final"): 1}),
        (1, 2): Cell(finals={("year", "final"): 5}),
        (2, 1): Cell(finals={("year", "final"): 1}), (2, 2): Cell(finals={("year", "final"): 6}),
        (3, 1): Cell(finals={("year", "proposed"): 5})},
        behaviour={(1, "year", "final"): "exemplary", (1, "term", "final"): "good"})
    attendance = _attendance({(1, "year"): (99, 1), (1, "term1"): (50, 0), (2, "year"): (1, 1)})
    sheet = classification_sheet(overview, attendance, ClassificationRules(), "year")
    rows = {r.pupil.id: r for r in sheet.rows}
    assert rows[1].outcome.result == HONOURS and rows[1].behaviour == "exemplary"
    assert rows[1].attendance == 99.0 and rows[1].outcome.average == Decimal("5.00")
    assert rows[2].outcome.result == NOT_PROMOTED and rows[2].outcome.average == Decimal("3.50")
    assert rows[3].outcome.result == INCOMPLETE  # a proposed grade is not a final one
    assert sheet.attendance == round(100 * 100 / 102, 1)
    assert sheet.average == Decimal("4.25")
    term = classification_sheet(overview, attendance, ClassificationRules(), "term")
    first = next(r for r in term.rows if r.pupil.id == 1)
    assert first.grades == {1: 1, 2: None} and first.behaviour == "good"
    assert first.attendance == 100.0


def test_sheet_of_a_descriptive_class_counts_written_texts():
    overview = _overview({(1, 1): Cell(texts={"year": "Opis"}), (1, 2): Cell(texts={"year": "x"}),
                          (2, 1): Cell(texts={"term": "Opis"})}, descriptive=True)
    sheet = classification_sheet(overview, _attendance({}), ClassificationRules(), "year")
    rows = {r.pupil.id: r for r in sheet.rows}
    assert rows[1].grades == {1: True, 2: True} and rows[1].outcome.average is None
    assert rows[2].grades == {1: None, 2: None} and sheet.attendance is None


def test_year_months_run_september_to_june_and_stop_at_today():
    year = SimpleNamespace(starts_on=date(2026, 9, 1), ends_on=date(2027, 6, 25))
    months = year_months(year)
    assert months[0] == date(2026, 9, 1) and months[-1] == date(2027, 6, 1) and len(months) == 10
    assert year_months(year, until=date(2026, 12, 7))[-1] == date(2026, 12, 1)
    assert year_months(year, until=date(2026, 8, 1)) == []


def test_tally_leaves_released_lessons_out():
    tally = Tally()
    for status in ("present", "late", "school_duty", "absent", "excused", "released"):
        tally.add(status, 1)
    assert (tally.attended, tally.missed, tally.percent) == (3, 2, 60.0)
    assert Tally().percent is None
