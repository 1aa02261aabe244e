"""Grade values and the weighted average (docs/architecture.md section 4), configurable per school.

School.settings["grades"] may set ``plus`` (default 0.5), ``minus`` (0.25),
``non_average`` (marks shown but never averaged; default np, nb, bz, +, -),
``values`` (explicit numeric values, e.g. {"6-": 5.75}), ``disallowed``
(marks the school does not use, e.g. ["6+", "1-"]), ``decimals`` (2) and
``descriptive_levels`` (the class levels whose term and year grades are a
descriptive assessment, ocena opisowa, instead of 1–6; default 1, 2, 3).
The average is Σ(value·weight)/Σweight over the grades that count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

DEFAULT_NON_AVERAGE = ("np", "nb", "bz", "+", "-")
#: Early education (edukacja wczesnoszkolna, classes 1–3) is graded descriptively by law.
DEFAULT_DESCRIPTIVE_LEVELS = (1, 2, 3)
_MARK = re.compile(r"^([1-6])([+-]?)$")


class InvalidGrade(ValueError):
    """The text is not a grade this school uses; ``message`` explains."""

    def __init__(self, text: str, message) -> None:
        super().__init__(text, message)
        self.text = text
        self.message = message


@dataclass(frozen=True)
class GradeRules:
    """How a school turns marks into numbers."""

    plus: Decimal = Decimal("0.5")
    minus: Decimal = Decimal("0.25")
    non_average: frozenset[str] = frozenset(DEFAULT_NON_AVERAGE)
    values: dict[str, Decimal] = field(default_factory=dict)
    disallowed: frozenset[str] = frozenset()
    decimals: int = 2
    descriptive_levels: frozenset[int] = frozenset(DEFAULT_DESCRIPTIVE_LEVELS)

    @classmethod
    def from_settings(cls, settings: dict | None) -> GradeRules:
        """Build the rules from School.settings (missing keys keep the defaults)."""
        conf = (settings or {}).get("grades") or {}
        return cls(
            plus=Decimal(str(conf.get("plus", "0.5"))),
            minus=Decimal(str(conf.get("minus", "0.25"))),
            non_average=frozenset(str(m).lower() for m in conf.get("non_average",
                                                                   DEFAULT_NON_AVERAGE)),
            values={str(k).lower(): Decimal(str(v)) for k, v in (conf.get("values") or {}).items()},
            disallowed=frozenset(str(m).lower() for m in conf.get("disallowed", ())),
            decimals=int(conf.get("decimals", 2)),
            descriptive_levels=frozenset(int(n) for n in conf.get(
                "descriptive_levels", DEFAULT_DESCRIPTIVE_LEVELS)),
        )

    def is_descriptive(self, level: int) -> bool:
        """True when a class of ``level`` gets descriptive term and year grades, not 1–6."""
        return level in self.descriptive_levels

    def normalise(self, text: str) -> str:
        """Canonical spelling of a mark typed in the grid (``" 4 + "`` → ``"4+"``)."""
        cleaned = re.sub(r"\s+", "", (text or "")).lower()
        if len(cleaned) == 2 and cleaned[0] in "+-" and cleaned[1] in "123456":
            cleaned = cleaned[1] + cleaned[0]  # "+4" → "4+"
        return cleaned

    def value(self, text: str) -> Decimal | None:
        """The numeric value of a mark, None for a non-average mark; InvalidGrade otherwise."""
        mark = self.normalise(text)
        if not mark:
            raise InvalidGrade(text, _l("Enter a grade."))
        if mark in self.disallowed:
            raise InvalidGrade(text, _l("The school does not use the grade %(mark)s.", mark=mark))
        if mark in self.non_average:
            return None
        if mark in self.values:
            return self.values[mark]
        match = _MARK.match(mark)
        if not match:
            raise InvalidGrade(text, _l("%(mark)s is not a grade: use 1–6 with an optional + or -, "
                                        "or one of %(marks)s.", mark=text.strip(),
                                        marks=", ".join(sorted(self.non_average))))
        base, sign = Decimal(match.group(1)), match.group(2)
        if sign == "+":
            return base + self.plus
        if sign == "-":
            return base - self.minus
        return base

    def average(self, items: Iterable[tuple[str, int, bool]]) -> Decimal | None:
        """Σ(value·weight)/Σweight over (mark, weight, category counts) items; None if none count."""
        total = Decimal(0)
        weights = 0
        for mark, weight, counts in items:
            if not counts or weight <= 0:
                continue
            try:
                value = self.value(mark)
            except InvalidGrade:
                continue  # a mark the school has since disallowed is shown but not averaged
            if value is None:
                continue
            total += value * weight
            weights += weight
        if not weights:
            return None
        quantum = Decimal(1).scaleb(-self.decimals)
        return (total / weights).quantize(quantum, rounding=ROUND_HALF_UP)


def parse_final(text: str) -> int:
    """A proposed/final grade: a whole number 1–6 (InvalidGrade otherwise)."""
    cleaned = (text or "").strip()
    if cleaned not in {"1", "2", "3", "4", "5", "6"}:
        raise InvalidGrade(text, _l("A term or year grade is a whole number from 1 to 6."))
    return int(cleaned)
