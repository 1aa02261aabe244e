"""Pupils at risk, the classification sheet's rows, and the school's attendance threshold.

Built from the class overview (overview.py) and attendance (attendance.py) already
loaded for the page, with the pure rules of grades/classification.py, so the
decisions are tested without a database and the pages cost no extra queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.grades.classification import (
    FAILING,
    FAILING_GRADE,
    HONOURS,
    INCOMPLETE,
    LOW_ATTENDANCE,
    NOT_PROMOTED,
    PROMOTED,
    ClassificationRules,
    Outcome,
)
from gradebook_service.grades.models import FINAL, TERM, YEAR
from gradebook_service.history.services import record_change
from gradebook_service.homeroom.attendance import ClassAttendance, Tally
from gradebook_service.homeroom.overview import Overview
from gradebook_service.school.models import Pupil, School, Subject

PERIODS = (TERM, YEAR)
RESULT_LABELS = {HONOURS: _l("promoted with honours"), PROMOTED: _l("promoted"),
                 NOT_PROMOTED: _l("not promoted"), INCOMPLETE: _l("grades missing")}
TERM_RESULT_LABELS = {HONOURS: _l("average and behaviour of honours"),
                      PROMOTED: _l("classified"), NOT_PROMOTED: _l("failing grade"),
                      INCOMPLETE: _l("grades missing")}
RISK_LABELS = {LOW_ATTENDANCE: _l("attendance below the threshold"),
               FAILING_GRADE: _l("failing grade proposed or given")}


class ThresholdError(ValueError):
    """The threshold typed is not a percentage; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def rules_for(school: School) -> ClassificationRules:
    return ClassificationRules.from_settings(school.settings)


@dataclass
class PupilAtRisk:
    """A pupil the homeroom teacher should act on, and why."""

    pupil: Pupil
    attendance: float | None
    reasons: tuple[str, ...]
    #: Subjects with a proposed or final 1, by name.
    failing: list[str]


def pupils_at_risk(overview: Overview, attendance: ClassAttendance,
                   rules: ClassificationRules) -> list[PupilAtRisk]:
    """Pupils below the attendance threshold (year to date) or with a proposed/final 1."""
    found = []
    for pupil in overview.pupils:
        grades: list[int] = []
        failing: list[str] = []
        for subject in overview.subjects:
            values = list(overview.cell(pupil.id, subject.id).finals.values())
            grades.extend(values)
            if FAILING in values:
                failing.append(subject.name)
        pct = attendance.pupil(pupil.id).percent
        reasons = rules.risks(pct, grades)
        if reasons:
            found.append(PupilAtRisk(pupil, pct, reasons, failing))
    return found


@dataclass
class SheetRow:
    """One pupil's line of the classification sheet (zestawienie klasyfikacyjne)."""

    pupil: Pupil
    #: subject_id → final grade (None: not given); for a descriptive class, True when written.
    grades: dict[int, int | bool | None]
    behaviour: str | None
    attendance: float | None
    outcome: Outcome


@dataclass
class Sheet:
    """The class's classification for a term or the year."""

    period: str
    subjects: list[Subject]
    rows: list[SheetRow]
    descriptive: bool
    attendance: float | None

    def count(self, result: str) -> int:
        return sum(1 for row in self.rows if row.outcome.result == result)

    @property
    def average(self) -> Decimal | None:
        """The class's average: the mean of the pupils' averages (two places)."""
        values = [row.outcome.average for row in self.rows if row.outcome.average is not None]
        if not values:
            return None
        return (sum(values) / len(values)).quantize(Decimal("0.01"))


def classification_sheet(overview: Overview, attendance: ClassAttendance,
                         rules: ClassificationRules, period: str) -> Sheet:
    """Final grades of every subject, behaviour, average, attendance and outcome per pupil.

    For the term (śródroczna) the attendance is the first term's; for the year (roczna)
    the whole year's.
    """
    rows = []
    which = "term1" if period == TERM else "year"
    for pupil in overview.pupils:
        grades: dict[int, int | bool | None] = {}
        for subject in overview.subjects:
            cell = overview.cell(pupil.id, subject.id)
            if overview.descriptive:
                grades[subject.id] = True if cell.texts.get(period) else None
            else:
                grades[subject.id] = cell.finals.get((period, FINAL))
        behaviour = overview.behaviour.get((pupil.id, period, FINAL))
        rows.append(SheetRow(pupil, grades, behaviour, attendance.pupil(pupil.id, which).percent,
                             rules.classify(grades, behaviour, overview.descriptive)))
    tallies = [attendance.pupil(p.id, which) for p in overview.pupils]
    overall = Tally(sum(t.attended for t in tallies), sum(t.missed for t in tallies))
    return Sheet(period, overview.subjects, rows, overview.descriptive, overall.percent)


def save_threshold(account: SchoolAccount, school: School, text: str) -> Decimal:
    """Store the school's attendance threshold for risk (0–100); the change goes to the history."""
    try:
        value = Decimal((text or "").strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ThresholdError(_l("Enter a percentage from 0 to 100."))
    settings = dict(school.settings or {})
    old = dict(settings.get("classification") or {})
    new = {**old, "attendance_threshold": str(value)}
    settings["classification"] = new
    school.settings = settings  # a new dict, so the JSON column is seen as changed
    record_change(school.id, "school_settings", school.id, pupil_id=None, action="update",
                  old={"classification": old}, new={"classification": new}, actor=account)
    return value
