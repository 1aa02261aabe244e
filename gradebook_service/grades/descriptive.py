"""Descriptive term and year grades (ocena opisowa) of early education, entered as text.

Which classes grade descriptively is the school's rule (``GradeRules.is_descriptive``,
classes 1–3 by default). The texts live in their own table, so they can never be
read as a number or enter an average.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.grades.models import TERM, YEAR, DescriptiveGrade
from gradebook_service.history.services import record_change
from shared.database import utcnow

PERIODS = (TERM, YEAR)
#: Long enough for a page of assessment, short enough to print on the certificate.
MAX_LENGTH = 4000


def class_texts(school_id: int, class_pupil_ids: list[int], year_id: int,
                subject_id: int) -> dict[tuple[int, str], DescriptiveGrade]:
    """The texts of the pupils in one subject and year by (pupil, period), in one query."""
    rows = db.session.execute(sa.select(DescriptiveGrade).where(
        DescriptiveGrade.school_id == school_id, DescriptiveGrade.school_year_id == year_id,
        DescriptiveGrade.subject_id == subject_id,
        DescriptiveGrade.pupil_id.in_(class_pupil_ids or [-1]))).scalars()
    return {(row.pupil_id, row.period): row for row in rows}


def check_texts(texts: dict[tuple[int, str], str], pupil_ids: set[int]) -> dict:
    """The problem of each cell (an over-long text); unknown pupils and periods are ignored."""
    return {key: _l("A descriptive grade has at most %(n)d characters.", n=MAX_LENGTH)
            for key, text in texts.items()
            if key[0] in pupil_ids and key[1] in PERIODS and len(text.strip()) > MAX_LENGTH}


def save_texts(account: SchoolAccount, existing: dict[tuple[int, str], DescriptiveGrade],
               texts: dict[tuple[int, str], str], pupil_ids: set[int], year_id: int,
               subject_id: int) -> int:
    """Create, change or (when emptied) delete the texts; each change goes into the history."""
    changed = 0
    school_id = account.school_id
    for (pupil_id, period), raw in texts.items():
        if pupil_id not in pupil_ids or period not in PERIODS:
            continue
        text = raw.strip().replace("\r\n", "\n")
        row = existing.get((pupil_id, period))
        if row is None and text:
            row = DescriptiveGrade(school_id=school_id, pupil_id=pupil_id,
                                   school_year_id=year_id, subject_id=subject_id, period=period,
                                   text=text, teacher_id=account.staff_id)
            db.session.add(row)
            db.session.flush()
            existing[(pupil_id, period)] = row
            record_change(school_id, "descriptive_grade", row.id, pupil_id=pupil_id,
                          action="create", old=None, new=_snap(period, subject_id, text), actor=account)
        elif row is not None and not text:
            record_change(school_id, "descriptive_grade", row.id, pupil_id=pupil_id,
                          action="delete", old=_snap(period, subject_id, row.text), new=None, actor=account)
            db.session.delete(row)
            del existing[(pupil_id, period)]
        elif row is not None and row.text != text:
            record_change(school_id, "descriptive_grade", row.id, pupil_id=pupil_id,
                          action="update", old=_snap(period, subject_id, row.text),
                          new=_snap(period, subject_id, text), actor=account)
            row.text, row.updated_at, row.teacher_id = text, utcnow(), account.staff_id
        else:
            continue
        changed += 1
    db.session.flush()
    return changed


def _snap(period: str, subject_id: int, text: str) -> dict:
    return {"period": period, "subject_id": subject_id, "text": text}


def pupil_texts(school_id: int, pupil_id: int, year_id: int) -> dict[int, dict[str, str]]:
    """A pupil's texts of the year by subject and period, in one query."""
    result: dict[int, dict[str, str]] = {}
    for row in db.session.execute(sa.select(DescriptiveGrade).where(
            DescriptiveGrade.school_id == school_id, DescriptiveGrade.pupil_id == pupil_id,
            DescriptiveGrade.school_year_id == year_id)).scalars():
        result.setdefault(row.subject_id, {})[row.period] = row.text
    return result
