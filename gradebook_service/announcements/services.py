"""Publish announcements and list those an account may see, with the unread ones marked."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import PARENT, PUPIL, SchoolAccount
from gradebook_service.announcements.models import (
    AUDIENCES,
    CLASS,
    EVERYONE,
    PARENTS,
    TEACHERS,
    Announcement,
    AnnouncementRead,
)
from gradebook_service.extensions import db
from gradebook_service.history.services import record_change
from gradebook_service.notifications.hooks import announcement_published
from gradebook_service.school.models import StaffMember
from shared.database import utcnow


class AnnouncementError(Exception):
    """An announcement cannot be published; ``message`` says why."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def _check(audience: str, class_id: int | None, title: str, body: str, valid_from: date,
           valid_until: date) -> None:
    if audience not in AUDIENCES:
        raise AnnouncementError(_l("Choose who the announcement is for."))
    if audience == CLASS and class_id is None:
        raise AnnouncementError(_l("Choose the class."))
    if not (title or "").strip() or not (body or "").strip():
        raise AnnouncementError(_l("Give the announcement a title and a text."))
    if valid_until < valid_from:
        raise AnnouncementError(_l("The end of validity cannot be before its start."))


def publish(account: SchoolAccount, audience: str, class_id: int | None, title: str, body: str,
            valid_from: date, valid_until: date) -> Announcement:
    """Publish an announcement (a class announcement needs the class)."""
    _check(audience, class_id, title, body, valid_from, valid_until)
    item = Announcement(school_id=account.school_id, audience=audience,
                        class_id=class_id if audience == CLASS else None,
                        author_id=account.staff_id, title=title.strip()[:200],
                        body=body.strip()[:10000], valid_from=valid_from, valid_until=valid_until)
    db.session.add(item)
    db.session.flush()
    # Logged from the start, so the change log holds the entry's whole life.
    record_change(item.school_id, "announcement", item.id, pupil_id=None,
                  class_id=item.class_id, action="create", old=None, new=_snapshot(item),
                  actor=account)
    announcement_published(account.school_id, item.title, class_id=item.class_id,
                           parents=audience in (EVERYONE, CLASS, PARENTS),
                           pupils=audience in (EVERYONE, CLASS), staff=audience == TEACHERS)
    return item


def _snapshot(item: Announcement) -> dict:
    return {"text": item.title, "body": item.body, "audience": item.audience,
            "class_id": item.class_id, "valid_from": item.valid_from.isoformat(),
            "valid_until": item.valid_until.isoformat()}


def update(account: SchoolAccount, item: Announcement, audience: str, class_id: int | None,
           title: str, body: str, valid_from: date, valid_until: date) -> bool:
    """Change an announcement (read receipts stay: readers saw an earlier version, which the
    change log keeps); returns True if anything changed."""
    _check(audience, class_id, title, body, valid_from, valid_until)
    old = _snapshot(item)
    item.audience, item.class_id = audience, class_id if audience == CLASS else None
    item.title, item.body = title.strip()[:200], body.strip()[:10000]
    item.valid_from, item.valid_until = valid_from, valid_until
    if _snapshot(item) == old:
        return False
    item.edited_at = utcnow()
    record_change(item.school_id, "announcement", item.id, pupil_id=None,
                  class_id=item.class_id, action="update", old=old, new=_snapshot(item),
                  actor=account)
    db.session.flush()
    return True


def delete(account: SchoolAccount, item: Announcement) -> None:
    """Delete an announcement and its read receipts (so no unread badge counts it)."""
    record_change(item.school_id, "announcement", item.id, pupil_id=None,
                  class_id=item.class_id, action="delete", old=_snapshot(item), new=None,
                  actor=account)
    db.session.execute(sa.delete(AnnouncementRead).where(
        AnnouncementRead.school_id == item.school_id,
        AnnouncementRead.announcement_id == item.id))
    db.session.delete(item)
    db.session.flush()


def visible_condition(account: SchoolAccount, class_id: int | None):
    """The SQL condition for announcements ``account`` may see."""
    if account.role in (PARENT, PUPIL):
        audiences = [Announcement.audience == EVERYONE,
                     sa.and_(Announcement.audience == CLASS, Announcement.class_id == class_id)]
        if account.role == PARENT:
            audiences.append(Announcement.audience == PARENTS)
        return sa.or_(*audiences)
    return Announcement.audience.in_((EVERYONE, TEACHERS, CLASS, PARENTS))


def current_announcements(account: SchoolAccount, class_id: int | None, today: date
                          ) -> list[tuple[Announcement, StaffMember, bool]]:
    """Valid announcements for the account, newest first: (announcement, author, is read)."""
    read = sa.exists().where(AnnouncementRead.school_id == account.school_id,
                             AnnouncementRead.account_id == account.id,
                             AnnouncementRead.announcement_id == Announcement.id)
    return [tuple(r) for r in db.session.execute(
        sa.select(Announcement, StaffMember, read)
        .join(StaffMember, StaffMember.id == Announcement.author_id)
        .where(Announcement.school_id == account.school_id, Announcement.valid_from <= today,
               Announcement.valid_until >= today, visible_condition(account, class_id))
        .order_by(Announcement.valid_from.desc(), Announcement.id.desc()).limit(100))]


def mark_read(account: SchoolAccount, announcement_ids: list[int]) -> None:
    """Remember that the account has seen these announcements."""
    if not announcement_ids:
        return
    done = set(db.session.execute(sa.select(AnnouncementRead.announcement_id).where(
        AnnouncementRead.school_id == account.school_id,
        AnnouncementRead.account_id == account.id,
        AnnouncementRead.announcement_id.in_(announcement_ids))).scalars())
    for announcement_id in set(announcement_ids) - done:
        db.session.add(AnnouncementRead(school_id=account.school_id, account_id=account.id,
                                        announcement_id=announcement_id))
    db.session.flush()
