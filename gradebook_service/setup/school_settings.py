"""The school's settings that used to live only as JSON in ``School.settings``, as typed forms.

Each known key has its form here: ``tests`` (the caps on announced tests,
read by calendar/services.py), ``attendance_types`` (the school's own
attendance types, read by lessons/services.py) and ``adult_pupils_may_excuse``
(pupils of 18 or more may excuse their own absences, read by lessons/services.py); ``grades`` has its own page
(grades/views.py ``rules``). Every save is checked whole, explained in Polish,
and recorded in the change history; keys the forms do not know are kept.
"""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.access import current_account, roles_required
from gradebook_service.accounts.models import STAFF, SchoolAccount
from gradebook_service.calendar.services import caps
from gradebook_service.extensions import db
from gradebook_service.history.services import record_change
from gradebook_service.lessons.models import EXCUSED, STATUSES
from gradebook_service.lessons.services import ADULT_PUPILS_MAY_EXCUSE, STATUS_LABELS
from gradebook_service.school.models import School

bp = Blueprint("school_settings", __name__, url_prefix="/setup/settings",
               template_folder="templates")
admin_required = roles_required(STAFF, staff_flags=("is_admin",))

#: How many own attendance types a school may define (the teacher's picker stays usable).
MAX_TYPES = 8
_CODE = re.compile(r"^[a-z0-9_]{1,12}$")
#: What a school's own type may stand for: every base status but "excused", which only an
#: accepted excuse sets.
MAPPABLE = tuple(s for s in STATUSES if s != EXCUSED)


class SettingsError(Exception):
    """The settings were refused; ``fields`` maps each form field to its problem."""

    def __init__(self, fields: dict) -> None:
        super().__init__(next(iter(fields.values())))
        self.fields = fields


def _int_in(text: str, low: int, high: int) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and low <= int(text) <= high else None


def check_test_caps(form) -> dict:
    """The ``tests`` settings from the form; SettingsError names each bad field."""
    problems: dict = {}
    per_week = _int_in(form.get("max_per_week", ""), 1, 10)
    per_day = _int_in(form.get("max_per_day", ""), 1, 5)
    if per_week is None:
        problems["max_per_week"] = _l("Tests a week: a whole number from 1 to 10.")
    if per_day is None:
        problems["max_per_day"] = _l("Tests a day: a whole number from 1 to 5.")
    if per_week is not None and per_day is not None and per_day > per_week:
        problems["max_per_day"] = _l("A class cannot have more tests a day than a week.")
    if problems:
        raise SettingsError(problems)
    return {"max_per_week": per_week, "max_per_day": per_day,
            "quizzes_count": form.get("quizzes_count") == "y",
            "hard_cap": form.get("hard_cap") == "y"}


def check_attendance_types(rows: list[dict]) -> list[dict]:
    """The school's own attendance types from the form rows (empty rows dropped)."""
    problems: dict = {}
    types: list[dict] = []
    reserved = set(STATUSES)
    seen: set[str] = set()
    for index, row in enumerate(rows):
        code = (row.get("code") or "").strip().lower()
        label = " ".join((row.get("label") or "").split())
        symbol = (row.get("symbol") or "").strip()
        maps_to = row.get("maps_to") or ""
        if not (code or label or symbol):
            continue
        field = f"type-{index}"
        if not _CODE.match(code):
            problems[field] = _l("Row %(n)d: the code has 1 to 12 small letters, digits or _.",
                                 n=index + 1)
        elif code in reserved or code in seen:
            problems[field] = _l("Row %(n)d: the code “%(code)s” is already used.",
                                 n=index + 1, code=code)
        elif not label or len(label) > 40:
            problems[field] = _l("Row %(n)d: give a name of at most 40 characters.", n=index + 1)
        elif len(symbol) > 4:
            problems[field] = _l("Row %(n)d: the symbol has at most 4 characters.", n=index + 1)
        elif maps_to not in MAPPABLE:
            problems[field] = _l("Row %(n)d: choose what the type counts as.", n=index + 1)
        seen.add(code)
        types.append({"code": code, "label": label, "symbol": symbol or code[:4],
                      "maps_to": maps_to})
    if len(types) > MAX_TYPES:
        problems["types"] = _l("At most %(n)d own attendance types.", n=MAX_TYPES)
    if problems:
        raise SettingsError(problems)
    return types


def save_settings(account: SchoolAccount, school: School, tests: dict,
                  attendance_types: list[dict], adult_pupils_may_excuse: bool | None = None) -> bool:
    """Store the keys of the form (others kept) and record the change; False when nothing changed.

    ``adult_pupils_may_excuse`` is recorded in the history only when it changes.
    """
    settings = dict(school.settings or {})
    old = {"tests": settings.get("tests"), "attendance_types": settings.get("attendance_types")}
    settings["tests"], settings["attendance_types"] = tests, attendance_types
    new = {"tests": tests, "attendance_types": attendance_types}
    was_allowed = bool(settings.get(ADULT_PUPILS_MAY_EXCUSE))
    if adult_pupils_may_excuse is not None and adult_pupils_may_excuse != was_allowed:
        settings[ADULT_PUPILS_MAY_EXCUSE] = adult_pupils_may_excuse
        old[ADULT_PUPILS_MAY_EXCUSE], new[ADULT_PUPILS_MAY_EXCUSE] = (was_allowed,
                                                                      adult_pupils_may_excuse)
    school.settings = settings  # a new dict, so the JSON column is seen as changed
    return record_change(school.id, "school_settings", school.id, pupil_id=None,
                         action="update", old=old, new=new, actor=account) is not None


def _rows_from(form) -> list[dict]:
    count = min(form.get("types", type=int) or 0, MAX_TYPES + 2)
    return [{key: form.get(f"{key}-{i}", "") for key in ("code", "label", "symbol", "maps_to")}
            for i in range(count)]


@bp.route("/", methods=["GET", "POST"])
@admin_required
def edit():
    """The caps on announced tests, the school's own attendance types and who excuses, in one form."""
    account = current_account()
    school = db.session.get(School, account.school_id)
    problems: dict = {}
    if request.method == "POST":
        values = request.form
        rows = _rows_from(request.form)
        try:
            tests = check_test_caps(request.form)
        except SettingsError as error:
            problems |= error.fields
        try:
            types = check_attendance_types(rows)
        except SettingsError as error:
            problems |= error.fields
        if not problems:
            changed = save_settings(account, school, tests, types,
                                    request.form.get(ADULT_PUPILS_MAY_EXCUSE) == "y")
            flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("school_settings.edit"), code=303)
    else:
        current = caps(school)
        values = {"max_per_week": str(current["max_per_week"]),
                  "max_per_day": str(current["max_per_day"]),
                  "quizzes_count": "y" if current["quizzes_count"] else "",
                  "hard_cap": "y" if current["hard_cap"] else "",
                  ADULT_PUPILS_MAY_EXCUSE: "y" if (school.settings or {}).get(
                      ADULT_PUPILS_MAY_EXCUSE) else ""}
        rows = list((school.settings or {}).get("attendance_types") or [])
    rows = rows + [{}] * max(0, min(2, MAX_TYPES - len(rows)))
    return render_template("setup/school_settings.html", values=values, rows=rows,
                           problems=problems, mappable=[(s, STATUS_LABELS[s][0])
                                                        for s in MAPPABLE]), \
        (422 if problems else 200)
