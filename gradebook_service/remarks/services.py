"""Add remarks and set behaviour grades (with the change log); read them for a pupil."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.history.services import record_change
from gradebook_service.remarks.models import BEHAVIOUR_GRADES, BehaviourGrade, Remark
from gradebook_service.school.models import Pupil, SchoolYear, StaffMember
from shared.database import utcnow

BEHAVIOUR_LABELS = {"exemplary": _l("exemplary"), "very_good": _l("very good"),
                    "good": _l("good"), "correct": _l("correct"),
                    "unsatisfactory": _l("unsatisfactory"), "reprehensible": _l("reprehensible")}
REMARK_CATEGORIES = (_l("Behaviour in class"), _l("Helping others"), _l("Competitions"),
                     _l("Being late"), _l("Lack of equipment"), _l("Other"))


class RemarkError(Exception):
    """A remark or behaviour grade cannot be saved; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def add_remark(account: SchoolAccount, pupil: Pupil, kind: str, category: str, text: str,
               day: date) -> Remark:
    """Record a positive or negative remark about ``pupil``."""
    if kind not in ("positive", "negative"):
        raise RemarkError(_l("Choose whether the remark is positive or negative."))
    text = (text or "").strip()
    if not text:
        raise RemarkError(_l("Write the remark."))
    remark = Remark(school_id=pupil.school_id, pupil_id=pupil.id, teacher_id=account.staff_id,
                    date=day, kind=kind, category=(category or "").strip()[:60] or str(_l("Other")),
                    text=text[:2000])
    db.session.add(remark)
    db.session.flush()
    record_change(pupil.school_id, "remark", remark.id, pupil_id=pupil.id, action="create",
                  old=None, new={"kind": kind, "category": remark.category, "text": remark.text},
                  actor=account)
    return remark


def update_remark(account: SchoolAccount, remark: Remark, kind: str, category: str,
                  text: str) -> bool:
    """Change a remark's kind, category or text (both versions in the change log)."""
    if kind not in ("positive", "negative"):
        raise RemarkError(_l("Choose whether the remark is positive or negative."))
    text = (text or "").strip()
    if not text:
        raise RemarkError(_l("Write the remark."))
    old = {"kind": remark.kind, "category": remark.category, "text": remark.text}
    remark.kind, remark.text = kind, text[:2000]
    remark.category = (category or "").strip()[:60] or str(_l("Other"))
    new = {"kind": remark.kind, "category": remark.category, "text": remark.text}
    if new == old:
        return False
    remark.edited_at = utcnow()
    record_change(remark.school_id, "remark", remark.id, pupil_id=remark.pupil_id,
                  action="update", old=old, new=new, actor=account)
    db.session.flush()
    return True


def delete_remark(account: SchoolAccount, remark: Remark) -> None:
    """Delete a remark (kept in the change log)."""
    record_change(remark.school_id, "remark", remark.id, pupil_id=remark.pupil_id,
                  action="delete", old={"kind": remark.kind, "category": remark.category,
                                        "text": remark.text}, new=None, actor=account)
    db.session.delete(remark)
    db.session.flush()


def set_behaviour(account: SchoolAccount, pupil: Pupil, year: SchoolYear, period: str,
                  stage: str, value: str | None) -> bool:
    """Set (or clear, with None) a proposed/final behaviour grade; return True if it changed."""
    if period not in ("term", "year") or stage not in ("proposed", "final"):
        raise RemarkError(_l("Unknown kind of behaviour grade."))
    if value is not None and value not in BEHAVIOUR_GRADES:
        raise RemarkError(_l("Choose a behaviour grade from the list."))
    row = db.session.execute(sa.select(BehaviourGrade).where(
        BehaviourGrade.school_id == pupil.school_id, BehaviourGrade.pupil_id == pupil.id,
        BehaviourGrade.school_year_id == year.id, BehaviourGrade.period == period,
        BehaviourGrade.stage == stage)).scalar_one_or_none()
    snap = lambda v: {"value": v, "period": period, "stage": stage}  # noqa: E731
    if row is None and value is None:
        return False
    if row is None:
        row = BehaviourGrade(school_id=pupil.school_id, pupil_id=pupil.id,
                             school_year_id=year.id, period=period, stage=stage, value=value,
                             teacher_id=account.staff_id)
        db.session.add(row)
        db.session.flush()
        record_change(pupil.school_id, "behaviour", row.id, pupil_id=pupil.id, action="create",
                      old=None, new=snap(value), actor=account)
        return True
    if value is None:
        record_change(pupil.school_id, "behaviour", row.id, pupil_id=pupil.id, action="delete",
                      old=snap(row.value), new=None, actor=account)
        db.session.delete(row)
        db.session.flush()
        return True
    if row.value == value:
        return False
    old = snap(row.value)
    row.value, row.updated_at, row.teacher_id = value, utcnow(), account.staff_id
    record_change(pupil.school_id, "behaviour", row.id, pupil_id=pupil.id, action="update",
                  old=old, new=snap(value), actor=account)
    db.session.flush()
    return True


def pupil_remarks(school_id: int, pupil_id: int) -> list[tuple[Remark, StaffMember]]:
    """A pupil's remarks, newest first, with the teacher."""
    return [tuple(r) for r in db.session.execute(
        sa.select(Remark, StaffMember).join(StaffMember, StaffMember.id == Remark.teacher_id)
        .where(Remark.school_id == school_id, Remark.pupil_id == pupil_id)
        .order_by(Remark.date.desc(), Remark.id.desc()))]


def pupil_behaviour(school_id: int, pupil_id: int, year_id: int) -> dict[tuple[str, str], str]:
    """(period, stage) → behaviour grade code."""
    return {(b.period, b.stage): b.value for b in db.session.execute(
        sa.select(BehaviourGrade).where(BehaviourGrade.school_id == school_id,
                                        BehaviourGrade.pupil_id == pupil_id,
                                        BehaviourGrade.school_year_id == year_id)).scalars()}


def class_behaviour(school_id: int, class_id: int, year_id: int
                    ) -> dict[tuple[int, str, str], str]:
    """(pupil_id, period, stage) → behaviour grade for every pupil of a class."""
    return {(b.pupil_id, b.period, b.stage): b.value for b in db.session.execute(
        sa.select(BehaviourGrade).join(Pupil, Pupil.id == BehaviourGrade.pupil_id)
        .where(BehaviourGrade.school_id == school_id, Pupil.school_id == school_id,
               Pupil.class_id == class_id, BehaviourGrade.school_year_id == year_id)).scalars()}
