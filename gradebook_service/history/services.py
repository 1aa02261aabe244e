"""Record changes to register data; every service that edits grades, attendance or remarks calls this."""

from __future__ import annotations

import sqlalchemy as sa

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.history.models import ENTITIES, ENTRY_ENTITIES, ChangeLogEntry
from gradebook_service.school.models import Pupil
from shared.database import utcnow


def actor_name(account: SchoolAccount | None) -> str:
    """A readable name for the change log (staff name, else the login)."""
    if account is None:
        return "system"
    if account.staff is not None:
        return account.staff.full_name
    return account.login


def record_change(school_id: int, entity: str, entity_id: int, *, pupil_id: int | None,
                  action: str, old: dict | None, new: dict | None,
                  actor: SchoolAccount | None, class_id: int | None = None
                  ) -> ChangeLogEntry | None:
    """Add a change-log entry (nothing when an update changed nothing).

    ``class_id`` names the class an entry without a pupil was given to (homework, a test,
    a grade column), so the class's teachers find its edits and deletions.
    """
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}")
    if action == "update" and old == new:
        return None
    entry = ChangeLogEntry(school_id=school_id, entity=entity, entity_id=entity_id,
                           pupil_id=pupil_id, class_id=class_id, action=action, old_value=old, new_value=new,
                           changed_by_account_id=actor.id if actor else None,
                           changed_by_name=actor_name(actor), changed_at=utcnow())
    db.session.add(entry)
    return entry


def changes_for(school_id: int, *, pupil_ids_query: sa.Select, entity: str | None = None,
                limit: int = 200, class_ids_query: sa.Select | None = None,
                author_id: int | None = None, every_entry: bool = False
                ) -> list[tuple[ChangeLogEntry, Pupil | None]]:
    """The latest changes about the pupils in ``pupil_ids_query`` (newest first).

    With ``class_ids_query`` also the changes of entries given to those classes, with
    ``author_id`` every change that account made (its school-wide announcements too), and
    with ``every_entry`` (the administrator) the changes of every entry staff gave.
    """
    scope = [ChangeLogEntry.pupil_id.in_(pupil_ids_query)]
    if class_ids_query is not None:
        scope.append(sa.and_(ChangeLogEntry.pupil_id.is_(None),
                             ChangeLogEntry.class_id.in_(class_ids_query)))
    if author_id is not None:
        scope.append(ChangeLogEntry.changed_by_account_id == author_id)
    if every_entry:
        scope.append(sa.and_(ChangeLogEntry.pupil_id.is_(None),
                             ChangeLogEntry.entity.in_(ENTRY_ENTITIES)))
    query = (sa.select(ChangeLogEntry, Pupil)
             .outerjoin(Pupil, Pupil.id == ChangeLogEntry.pupil_id)
             .where(ChangeLogEntry.school_id == school_id, sa.or_(*scope))
             .order_by(ChangeLogEntry.changed_at.desc(), ChangeLogEntry.id.desc()).limit(limit))
    if entity:
        query = query.where(ChangeLogEntry.entity == entity)
    return [tuple(row) for row in db.session.execute(query)]
