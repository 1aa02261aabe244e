"""Who changed what in the register, and when: old and new value of every change."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed
from shared.database import utcnow

#: The kinds of record whose changes are logged.
#: The school's setup (issue 10 part A): changes the administrator makes on the setup pages.
SETUP_ENTITIES = ("school", "school_year", "term", "free_day", "school_class", "class_group",
                  "subject", "staff_member", "assignment", "register_number")
#: Timetable and grading rules (issue 10 part B): bell times, weekly slots, categories, settings.
PLANNING_ENTITIES = ("bell_times", "timetable_entry", "grade_category", "school_settings",
                     "descriptive_grade")
#: What staff give and may later edit or delete (issue 14): logged with the class they concern.
ENTRY_ENTITIES = ("homework", "event", "announcement", "assessment", "lesson")
ENTITIES = ("grade", "term_grade", "attendance", "remark", "behaviour", *SETUP_ENTITIES,
            *PLANNING_ENTITIES, *ENTRY_ENTITIES)


class ChangeLogEntry(SchoolKeyed, db.Model):
    """One create, update or delete of a register record (kept for good, never edited)."""

    __tablename__ = "change_log"
    __table_args__ = (
        sa.Index("ix_change_log_school_pupil_time", "school_id", "pupil_id", "changed_at"),
        sa.Index("ix_change_log_school_entity", "school_id", "entity", "entity_id"),
        sa.Index("ix_change_log_school_class_time", "school_id", "class_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    entity: Mapped[str] = mapped_column(sa.String(20))
    entity_id: Mapped[int]
    pupil_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pupil.id"))
    #: The class an entry was given to (homework, a test, a column …), so the teachers of the
    #: class see its edits and deletions; None for pupil records and school-wide entries.
    class_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_class.id"))
    action: Mapped[str] = mapped_column(sa.String(10))  # create, update, delete
    old_value: Mapped[dict | None] = mapped_column(sa.JSON)
    new_value: Mapped[dict | None] = mapped_column(sa.JSON)
    #: The account that made the change and its name at the time (kept if the account goes).
    changed_by_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school_account.id"))
    changed_by_name: Mapped[str] = mapped_column(sa.String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
