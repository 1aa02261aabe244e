"""Classification (klasyfikacja) rules: who is at risk, the average, promotion and honours.

A pure, configurable object like ``GradeRules``: no Flask, no database, so every rule
is tested exhaustively. The defaults follow the Polish school law (ustawa o systemie
oświaty, art. 44k and 44o; rozporządzenie w sprawie oceniania):

* a pupil who missed more than half of the lessons may be left unclassified, so an
  attendance below 50% puts the pupil at risk (the school may choose another threshold);
* a proposed or final grade of 1 (niedostateczny) puts the pupil at risk and a final 1
  in the year means no promotion;
* promotion with honours (z wyróżnieniem) needs an average of the year's final grades of
  at least 4.75 and behaviour at least very good;
* early education (classes 1–3, graded descriptively) is promoted without an average.

School.settings["classification"] may set ``attendance_threshold`` (0–100, default 50).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: The behaviour grades that allow honours (wzorowe, bardzo dobre).
HONOURS_BEHAVIOUR = frozenset({"exemplary", "very_good"})
FAILING = 1

#: Reasons a pupil is at risk.
LOW_ATTENDANCE = "attendance"
FAILING_GRADE = "failing"

#: Outcomes of the classification sheet.
HONOURS = "honours"
PROMOTED = "promoted"
NOT_PROMOTED = "not_promoted"
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Outcome:
    """A pupil's line of the classification sheet, as numbers and codes (no text)."""

    average: Decimal | None
    result: str
    #: Subjects without a final grade: the sheet cannot be closed while any is missing.
    missing: tuple = ()


@dataclass(frozen=True)
class ClassificationRules:
    """The school's thresholds for risk, promotion and honours."""

    attendance_threshold: Decimal = Decimal(50)
    honours_average: Decimal = Decimal("4.75")
    honours_behaviour: frozenset[str] = HONOURS_BEHAVIOUR

    @classmethod
    def from_settings(cls, settings: dict | None) -> ClassificationRules:
        """Build the rules from School.settings (a missing or malformed value keeps the default)."""
        conf = (settings or {}).get("classification") or {}
        try:
            threshold = Decimal(str(conf.get("attendance_threshold", 50)))
        except ArithmeticError:
            threshold = Decimal(50)
        if not Decimal(0) <= threshold <= Decimal(100):
            threshold = Decimal(50)
        return cls(attendance_threshold=threshold)

    def risks(self, attendance: float | Decimal | None, grades: Iterable[int | None]
              ) -> tuple[str, ...]:
        """Why a pupil is at risk: attendance below the threshold, a proposed/final 1.

        ``attendance`` is a percentage 0–100 (None when no lesson was counted: no risk
        can be read from nothing); ``grades`` are the pupil's proposed and final grades.
        """
        reasons = []
        if attendance is not None and Decimal(str(attendance)) < self.attendance_threshold:
            reasons.append(LOW_ATTENDANCE)
        if any(g == FAILING for g in grades):
            reasons.append(FAILING_GRADE)
        return tuple(reasons)

    def classify(self, finals: dict, behaviour: str | None, descriptive: bool = False
                 ) -> Outcome:
        """The outcome from final grades by subject (None: not given yet) and behaviour.

        The average is the plain mean of the final grades (each subject once), rounded
        half up to two places. A descriptive class is promoted once every subject has its
        assessment (``finals`` then maps subjects to True/None) and has no average.
        """
        missing = tuple(subject for subject, value in finals.items() if value is None)
        if descriptive:
            return Outcome(None, INCOMPLETE if missing or not finals else PROMOTED, missing)
        given = [int(v) for v in finals.values() if v is not None]
        average = None
        if given:
            average = (Decimal(sum(given)) / len(given)).quantize(Decimal("0.01"),
                                                                rounding=ROUND_HALF_UP)
        if FAILING in given:
            return Outcome(average, NOT_PROMOTED, missing)
        if missing or not given:
            return Outcome(average, INCOMPLETE, missing)
        if average >= self.honours_average and behaviour in self.honours_behaviour:
            return Outcome(average, HONOURS, missing)
        return Outcome(average, PROMOTED, missing)
