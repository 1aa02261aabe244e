"""One-line calls for the domains whose changes families hear about (grades, absences, tests,
announcements, moved or withdrawn tests, events and homework); each turns the change into
:func:`notify` with the texts' values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from gradebook_service.accounts.models import PARENT, PUPIL, STAFF, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.notifications.models import ABSENCE, ANNOUNCEMENT, GRADE, RESCHEDULED, TEST
from gradebook_service.notifications.services import notify
from gradebook_service.school.models import Guardianship, Pupil, Subject
from gradebook_service.web import dates

#: Event kinds a family is told about in advance.
TEST_KINDS = ("test", "quiz")


def _subject_name(school_id: int, subject_id: int | None) -> str:
    if subject_id is None:
        return ""
    return db.session.execute(sa.select(Subject.name).where(
        Subject.school_id == school_id, Subject.id == subject_id)).scalar_one_or_none() or ""


def grades_added(school_id: int, subject_id: int, pupil_ids: Iterable[int]) -> None:
    """New grades in a subject (not their values: those are for the register's page)."""
    ids = set(pupil_ids)
    if ids:
        notify(GRADE, school_id=school_id, pupil_ids=ids, path="/family/grades",
               params={"subject": _subject_name(school_id, subject_id)})


def absences_marked(school_id: int, day: date, pupil_ids: Iterable[int]) -> None:
    """Pupils newly marked absent at a lesson on ``day``."""
    ids = set(pupil_ids)
    if ids:
        notify(ABSENCE, school_id=school_id, pupil_ids=ids, path="/family/attendance",
               params={"date": day.isoformat()})


def event_announced(school_id: int, class_id: int, kind: str, day: date, title: str,
                    subject_id: int | None) -> None:
    """A test or quiz announced for a class: its pupils and their parents hear of it."""
    if kind not in TEST_KINDS:
        return
    notify(TEST, school_id=school_id, pupil_ids=_class_pupils(school_id, class_id),
           path="/family/calendar",
           params={"title": title, "subject": _subject_name(school_id, subject_id),
                   "date": day.isoformat()})


def _class_pupils(school_id: int, class_id: int) -> list[int]:
    return db.session.execute(sa.select(Pupil.id).where(
        Pupil.school_id == school_id, Pupil.class_id == class_id)).scalars().all()


def entry_rescheduled(school_id: int, class_id: int, *, what: str, title: str,
                      subject_id: int | None, old_day: date, new_day: date | None) -> None:
    """A class's homework (``what`` "homework") or event (its kind) moved from ``old_day`` to
    ``new_day``, or withdrawn (``new_day`` None): its pupils and their parents hear of it.

    Every kind of event counts (a moved trip or parents' meeting changes a family's plans
    as a moved test does). Entries wholly in the past are tidying, not news: no one hears.
    """
    if max(old_day, new_day or old_day) < dates.today():
        return
    params = {"what": what, "title": title, "subject": _subject_name(school_id, subject_id),
              "old_date": old_day.isoformat()}
    if new_day is not None:
        params["date"] = new_day.isoformat()
    notify(RESCHEDULED, school_id=school_id, pupil_ids=_class_pupils(school_id, class_id),
           path="/family/homework" if what == "homework" else "/family/calendar", params=params)


def announcement_published(school_id: int, title: str, *, class_id: int | None,
                           parents: bool, pupils: bool, staff: bool) -> None:
    """An announcement for the school, a class, parents or teachers."""
    roles = [role for role, wanted in ((PARENT, parents), (PUPIL, pupils), (STAFF, staff))
             if wanted]
    if not roles:
        return
    query = (sa.select(SchoolAccount.id)
             .outerjoin(Guardianship, Guardianship.id == SchoolAccount.guardianship_id)
             .outerjoin(Pupil, Pupil.id == sa.func.coalesce(SchoolAccount.pupil_id,
                                                            Guardianship.pupil_id))
             .where(SchoolAccount.school_id == school_id, SchoolAccount.is_active.is_(True),
                    SchoolAccount.role.in_(roles)))
    if class_id is not None:
        query = query.where(Pupil.class_id == class_id)
    accounts = db.session.execute(query.add_columns(SchoolAccount.role)).all()
    for path, group in (("/family/announcements", [a for a, role in accounts if role != STAFF]),
                        ("/staff/", [a for a, role in accounts if role == STAFF])):
        if group:
            notify(ANNOUNCEMENT, school_id=school_id, account_ids=group, path=path,
                   params={"title": title})
