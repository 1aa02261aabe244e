"""Record news for people (``notify``) and their choices; the dispatcher sends it later.

Other domains call :func:`notify` in the transaction of the change (a grade, an
absence, a message …), so a rolled-back change tells nobody.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from gradebook_service.accounts.models import PARENT, PUPIL, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.notifications.models import (
    DEFAULT_MODES,
    DROPPED,
    KINDS,
    MODES,
    OFF,
    PENDING,
    Notification,
    NotificationPreference,
)
from gradebook_service.school.models import Guardianship


class NotificationError(Exception):
    """A notification call was malformed (an unknown kind or mode)."""


def family_account_ids(school_id: int, pupil_ids: Iterable[int]) -> set[int]:
    """Active parent and pupil accounts of these pupils (one query)."""
    ids = list(set(pupil_ids))
    if not ids:
        return set()
    return set(db.session.execute(
        sa.select(SchoolAccount.id)
        .outerjoin(Guardianship, Guardianship.id == SchoolAccount.guardianship_id)
        .where(SchoolAccount.school_id == school_id, SchoolAccount.is_active.is_(True),
               sa.or_(sa.and_(SchoolAccount.role == PUPIL, SchoolAccount.pupil_id.in_(ids)),
                      sa.and_(SchoolAccount.role == PARENT, Guardianship.pupil_id.in_(ids),
                              Guardianship.school_id == school_id)))).scalars())


def notify(kind: str, *, school_id: int, account_ids: Iterable[int] = (),
           pupil_ids: Iterable[int] = (), params: dict | None = None,
           path: str | None = None) -> int:
    """Queue news of ``kind`` for accounts and for the families of pupils; return how many.

    ``params`` are plain JSON values the mail and push templates of the kind use
    (see notifications/templates/notifications/mail/); ``path`` is the register page
    the news is about. Nothing leaves the process here: the dispatcher applies each
    person's choices and quiet hours. Accounts of another school are ignored.
    """
    if kind not in KINDS:
        raise NotificationError(f"unknown notification kind {kind!r}")
    targets = set(account_ids) | family_account_ids(school_id, pupil_ids)
    if not targets:
        return 0
    wanted = set(db.session.execute(sa.select(SchoolAccount.id).where(
        SchoolAccount.school_id == school_id, SchoolAccount.id.in_(targets),
        SchoolAccount.is_active.is_(True))).scalars())
    off = set(db.session.execute(sa.select(NotificationPreference.account_id).where(
        NotificationPreference.school_id == school_id, NotificationPreference.kind == kind,
        NotificationPreference.account_id.in_(wanted),
        NotificationPreference.mode == OFF)).scalars()) if wanted else set()
    for account_id in sorted(wanted - off):
        db.session.add(Notification(school_id=school_id, account_id=account_id, kind=kind,
                                    params=dict(params or {}), path=path, state=PENDING))
    db.session.flush()
    return len(wanted - off)


def preferences(account: SchoolAccount) -> dict[str, NotificationPreference]:
    """The account's choice for every kind (defaults where it has not chosen)."""
    chosen = {p.kind: p for p in db.session.execute(sa.select(NotificationPreference).where(
        NotificationPreference.school_id == account.school_id,
        NotificationPreference.account_id == account.id)).scalars()}
    return {kind: chosen.get(kind) or NotificationPreference(
        school_id=account.school_id, account_id=account.id, kind=kind, mode=DEFAULT_MODES[kind],
        by_mail=True, by_push=True) for kind in KINDS}


def set_preference(account: SchoolAccount, kind: str, mode: str, *, by_mail: bool = True,
                   by_push: bool = True) -> NotificationPreference:
    """Store how the account wants ``kind``; turning a kind off drops what is still waiting."""
    if kind not in KINDS or mode not in MODES:
        raise NotificationError("unknown notification kind or mode")
    pref = db.session.get(NotificationPreference, (account.school_id, account.id, kind))
    if pref is None:
        pref = NotificationPreference(school_id=account.school_id, account_id=account.id,
                                      kind=kind)
        db.session.add(pref)
    pref.mode, pref.by_mail, pref.by_push = mode, by_mail, by_push
    if mode == OFF or not (by_mail or by_push):
        db.session.execute(sa.update(Notification).where(
            Notification.school_id == account.school_id, Notification.account_id == account.id,
            Notification.kind == kind, Notification.state == PENDING).values(state=DROPPED))
    db.session.flush()
    return pref
