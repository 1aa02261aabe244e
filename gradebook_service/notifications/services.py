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
from gradebook_service.school.models import Guardianship, Pupil


class NotificationError(Exception):
    """A notification call was malformed (an unknown kind or mode)."""


def family_accounts(school_id: int, pupil_ids: Iterable[int]) -> dict[int, str]:
    """Active parent and pupil accounts of these pupils, each with its pupil's first name."""
    ids = list(set(pupil_ids))
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(SchoolAccount.id, Pupil.first_name)
        .outerjoin(Guardianship, Guardianship.id == SchoolAccount.guardianship_id)
        .join(Pupil, Pupil.id == sa.func.coalesce(SchoolAccount.pupil_id, Guardianship.pupil_id))
        .where(SchoolAccount.school_id == school_id, SchoolAccount.is_active.is_(True),
               Pupil.school_id == school_id, Pupil.id.in_(ids),
               SchoolAccount.role.in_((PARENT, PUPIL)))).all())


def notify(kind: str, *, school_id: int, account_ids: Iterable[int] = (),
           pupil_ids: Iterable[int] = (), params: dict | None = None,
           path: str | None = None) -> int:
    """Queue news of ``kind`` for accounts and for the families of pupils; return how many.

    ``params`` are plain JSON values the texts of the kind use (notifications/texts.py:
    ``sender``, ``subject``, ``title``, ``date``); for the families of ``pupil_ids``
    the pupil's first name is added as ``pupil``. ``path`` is the register page the
    news is about. Nothing leaves the process here: the dispatcher applies each
    person's choices and quiet hours. Accounts of another school are ignored.
    """
    if kind not in KINDS:
        raise NotificationError(f"unknown notification kind {kind!r}")
    targets: dict[int, str | None] = dict.fromkeys(set(account_ids))
    targets.update(family_accounts(school_id, pupil_ids))
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
        values = dict(params or {})
        if targets[account_id]:
            values["pupil"] = targets[account_id]
        db.session.add(Notification(school_id=school_id, account_id=account_id, kind=kind,
                                    params=values, path=path, state=PENDING))
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
