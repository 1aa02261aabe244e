"""Read receipts of an announcement: who of its audience has opened it and who not.

The audience is worked out from the announcement as the family pages show it
(``services.visible_condition``): a class announcement reaches that class's pupils
and parents, "parents" every parent, "everyone" every family and the staff,
"teachers" the staff. Two queries per page, whatever the size of the school.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import PARENT, PUPIL, STAFF, SchoolAccount
from gradebook_service.announcements.models import (
    CLASS,
    EVERYONE,
    PARENTS,
    TEACHERS,
    Announcement,
    AnnouncementRead,
)
from gradebook_service.extensions import db
from gradebook_service.school.models import (
    Guardian,
    Guardianship,
    Pupil,
    SchoolClass,
    StaffMember,
)
from shared.collation import order_by_name

PAGE_SIZE = 50


@dataclass
class Summary:
    read: int
    total: int


@dataclass
class Reader:
    name: str
    detail: str
    read_at: datetime | None


def _audience(item: Announcement) -> sa.ColumnElement:
    pupil_id = sa.func.coalesce(SchoolAccount.pupil_id, Guardianship.pupil_id)
    if item.audience == CLASS:
        return sa.and_(SchoolAccount.role.in_((PARENT, PUPIL)), pupil_id.in_(
            sa.select(Pupil.id).where(Pupil.school_id == item.school_id,
                                      Pupil.class_id == item.class_id)))
    roles = {EVERYONE: (PARENT, PUPIL, STAFF), PARENTS: (PARENT,), TEACHERS: (STAFF,)}
    return SchoolAccount.role.in_(roles[item.audience])


def _base(item: Announcement, *columns) -> sa.Select:
    read = sa.and_(AnnouncementRead.school_id == item.school_id,
                   AnnouncementRead.account_id == SchoolAccount.id,
                   AnnouncementRead.announcement_id == item.id)
    return (sa.select(*columns).select_from(SchoolAccount)
            .outerjoin(Guardianship, Guardianship.id == SchoolAccount.guardianship_id)
            .outerjoin(AnnouncementRead, read)
            .where(SchoolAccount.school_id == item.school_id,
                   SchoolAccount.is_active.is_(True), _audience(item),
                   sa.or_(SchoolAccount.staff_id.is_(None),
                          SchoolAccount.staff_id != item.author_id)))


def summary(item: Announcement) -> Summary:
    """How many of the audience have read the announcement, of how many."""
    read, total = db.session.execute(_base(
        item, sa.func.count(AnnouncementRead.id), sa.func.count(SchoolAccount.id))).one()
    return Summary(read, total)


def readers(item: Announcement, page: int, size: int = PAGE_SIZE) -> list[Reader]:
    """One page of the audience: those who have not read it first, then by class and name."""
    pupil_id = sa.func.coalesce(SchoolAccount.pupil_id, Guardianship.pupil_id)
    rows = db.session.execute(
        _base(item, SchoolAccount.role, StaffMember.first_name, StaffMember.last_name,
              Guardian.first_name, Guardian.last_name, Pupil.first_name, Pupil.last_name,
              SchoolClass.name, AnnouncementRead.read_at)
        .outerjoin(StaffMember, StaffMember.id == SchoolAccount.staff_id)
        .outerjoin(Guardian, Guardian.id == Guardianship.guardian_id)
        .outerjoin(Pupil, Pupil.id == pupil_id)
        .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)
        .order_by(AnnouncementRead.read_at.is_not(None), SchoolClass.name,
                  *order_by_name(Pupil.last_name, Pupil.first_name), SchoolAccount.role,
                  *order_by_name(StaffMember.last_name, StaffMember.first_name),
                  SchoolAccount.id)
        .limit(size).offset((page - 1) * size))
    result = []
    for role, s_first, s_last, g_first, g_last, p_first, p_last, class_name, read_at in rows:
        if role == STAFF:
            result.append(Reader(f"{s_first} {s_last}", str(_l("staff")), read_at))
        elif role == PARENT:
            result.append(Reader(f"{g_first} {g_last}", str(_l(
                "parent of %(pupil)s, %(class_name)s", pupil=f"{p_first} {p_last}",
                class_name=class_name)), read_at))
        else:
            result.append(Reader(f"{p_first} {p_last}", str(_l(
                "pupil, %(class_name)s", class_name=class_name)), read_at))
    return result
