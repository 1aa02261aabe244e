"""Record what the administrator changed on the setup pages in the change history."""

from __future__ import annotations

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.history.services import record_change


def record_setup(admin: SchoolAccount, entity: str, entity_id: int, action: str,
                 old: dict | None, new: dict | None, pupil_id: int | None = None) -> None:
    """A change-history entry for a setup change by ``admin`` (nothing when nothing changed)."""
    record_change(admin.school_id, entity, entity_id, pupil_id=pupil_id, action=action,
                  old=old, new=new, actor=admin)


def snapshot(row, *fields: str) -> dict:
    """The named fields of a row as JSON-ready values (dates as ISO text)."""
    out = {}
    for name in fields:
        value = getattr(row, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out
