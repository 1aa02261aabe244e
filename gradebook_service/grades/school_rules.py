"""The school's grade rules as stored in School.settings["grades"], read and written whole.

``GradeRules`` (grades/averaging.py) stays the pure rules object; this module
turns the administrator's form into the settings it is built from, checking
that every mark named is one the rules understand.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.grades.averaging import GradeRules
from gradebook_service.history.services import record_change
from gradebook_service.school.models import School

_NUMERIC = re.compile(r"^[1-6][+-]?$")
_SYMBOL = re.compile(r"^([a-ząćęłńóśźż]{1,4}|[+-])$")
#: Levels of a Polish primary school.
LEVELS = range(1, 9)


class RulesError(Exception):
    """The rules were refused; ``fields`` maps form fields to their problem."""

    def __init__(self, fields: dict) -> None:
        super().__init__(next(iter(fields.values())))
        self.fields = fields


def _marks(text: str) -> list[str]:
    return [m for m in (part.strip().lower() for part in (text or "").split(",")) if m]


def form_values(school: School) -> dict:
    """The current rules as the form shows them (defaults where the school set nothing)."""
    rules = GradeRules.from_settings(school.settings)
    return {"plus": rules.plus, "minus": rules.minus,
            "non_average": ", ".join(sorted(rules.non_average)),
            "disallowed": ", ".join(sorted(rules.disallowed)), "decimals": rules.decimals,
            "descriptive_levels": ", ".join(str(n) for n in sorted(rules.descriptive_levels))}


def save_rules(account: SchoolAccount, school: School, plus: Decimal, minus: Decimal,
               non_average: str, disallowed: str, decimals: int,
               descriptive_levels: str) -> GradeRules:
    """Check and store the rules; RulesError names each bad field, nothing is stored then."""
    problems: dict = {}
    symbols = _marks(non_average)
    bad = [m for m in symbols if not _SYMBOL.match(m)]
    if bad:
        problems["non_average"] = _l("%(marks)s cannot be a non-averaged mark: use short "
                                     "letters (np, nb, bz) or + and -.", marks=", ".join(bad))
    unused = _marks(disallowed)
    bad = [m for m in unused if not _NUMERIC.match(m)]
    if bad:
        problems["disallowed"] = _l("%(marks)s is not a grade: list grades such as 6+ or 1-.",
                                    marks=", ".join(bad))
    elif set(unused) >= {str(n) for n in range(1, 7)}:
        problems["disallowed"] = _l("The school must use at least one whole grade.")
    levels: list[int] = []
    for part in _marks(descriptive_levels):
        if not part.isdigit() or int(part) not in LEVELS:
            problems["descriptive_levels"] = _l("Class levels are whole numbers from 1 to 8.")
            break
        levels.append(int(part))
    if problems:
        raise RulesError(problems)
    settings = dict(school.settings or {})
    old = dict(settings.get("grades") or {})
    new = dict(old)  # keep keys the form does not show (explicit "values")
    new.update({"plus": str(plus), "minus": str(minus), "non_average": sorted(set(symbols)),
                "disallowed": sorted(set(unused)), "decimals": decimals,
                "descriptive_levels": sorted(set(levels))})
    settings["grades"] = new
    school.settings = settings  # a new dict, so the JSON column is seen as changed
    record_change(school.id, "school_settings", school.id, pupil_id=None, action="update",
                  old={"grades": old}, new={"grades": new}, actor=account)
    return GradeRules.from_settings(settings)
