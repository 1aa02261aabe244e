"""Turn waiting news into mails (through the outbox) and pushes, by each person's choices.

One run (``flask --app gradebook_service notifications send``): claim each
account's waiting news (a conditional UPDATE, so several dispatchers never send
one piece twice), then per kind — off: dropped; immediately: sent unless it is
quiet hours (then it waits for the morning); digest: kept until the day's digest
is due, then one mail for all of it, at most once a day. Mails are written to the
outbox in the transaction that marks the news sent; pushes go out after it commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db, outbox
from gradebook_service.notifications.links import DIGEST_KINDS, stop_url
from gradebook_service.notifications.models import (
    DEFAULT_MODES,
    DIGEST,
    DROPPED,
    IMMEDIATE,
    OFF,
    PENDING,
    SENT,
    DigestMark,
    Notification,
    NotificationPreference,
    PushSubscription,
)
from gradebook_service.notifications.push import PushJob, deliver, push_enabled
from gradebook_service.notifications.quiet_hours import DeliveryWindow, window_from_config
from gradebook_service.notifications.texts import headline, kind_name, mail_phrases
from gradebook_service.school.keys import get_owned
from shared.database import utcnow

CLAIM_TIMEOUT = timedelta(minutes=5)
BATCH = 500
#: Sent or dropped news is kept this long (for support questions), then deleted.
RETENTION = timedelta(days=30)


@dataclass
class RunResult:
    mails: int = 0
    digests: int = 0
    pushes: int = 0
    dropped: int = 0
    held: int = 0
    gone: list[int] = field(default_factory=list)


def mail_address(account: SchoolAccount) -> str | None:
    """The verified recovery e-mail: the register never mails an address nobody confirmed."""
    return account.recovery_email if account.recovery_email_verified_at else None


def _base() -> str:
    return current_app.config["GRADEBOOK_URL"].rstrip("/")


def _settings_url() -> str:
    return f"{_base()}/notifications/preferences"


def _accounts_with_news(limit: int) -> list[tuple[int, int]]:
    """(school id, account id) of accounts with waiting news, the longest waiting first."""
    return list(db.session.execute(
        sa.select(Notification.school_id, Notification.account_id)
        .where(Notification.state == PENDING)
        .group_by(Notification.school_id, Notification.account_id)
        .order_by(sa.func.min(Notification.id)).limit(limit)).all())


def _claim(account_id: int, claimer: str, now: datetime) -> list[Notification]:
    """Take the account's waiting news for this run (none if another dispatcher holds it)."""
    table = Notification.__table__
    db.session.execute(sa.update(table).where(
        table.c.account_id == account_id, table.c.state == PENDING,
        sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now)
    ).values(claimed_by=claimer, claimed_until=now + CLAIM_TIMEOUT))
    db.session.commit()
    return list(db.session.execute(sa.select(Notification).where(
        Notification.account_id == account_id, Notification.state == PENDING,
        Notification.claimed_by == claimer).order_by(Notification.id)).scalars())


def _release(items: list[Notification]) -> None:
    for item in items:
        item.claimed_by = None
        item.claimed_until = None


def run(now: datetime | None = None, window: DeliveryWindow | None = None) -> RunResult:
    """Send what is due now; commits per account (a CLI, not a request)."""
    now = now or utcnow()
    window = window or window_from_config(current_app.config)
    claimer = secrets.token_hex(8)
    result = RunResult()
    for school_id, account_id in _accounts_with_news(BATCH):
        items = _claim(account_id, claimer, now)
        if not items:
            continue
        jobs = _dispatch_account(get_owned(SchoolAccount, school_id, account_id), items, now, window,
                                 result)
        db.session.commit()
        sent, gone = deliver(jobs)
        result.pushes += sent
        if gone:
            db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id.in_(gone)))
            db.session.commit()
            result.gone.extend(gone)
    db.session.execute(sa.delete(Notification).where(Notification.state.in_((SENT, DROPPED)),
                                                     Notification.created_at < now - RETENTION))
    db.session.commit()
    return result


def _dispatch_account(account: SchoolAccount | None, items: list[Notification], now: datetime,
                      window: DeliveryWindow, result: RunResult) -> list[PushJob]:
    if account is None or not account.is_active:
        for item in items:
            item.state = DROPPED
        result.dropped += len(items)
        return []
    prefs = {p.kind: p for p in db.session.execute(sa.select(NotificationPreference).where(
        NotificationPreference.school_id == account.school_id,
        NotificationPreference.account_id == account.id)).scalars()}
    devices = list(db.session.execute(sa.select(PushSubscription).where(
        PushSubscription.school_id == account.school_id,
        PushSubscription.account_id == account.id)).scalars()) if push_enabled() else []
    address = mail_address(account)
    quiet = window.is_quiet(now)
    jobs: list[PushJob] = []
    digest_items: list[Notification] = []
    with force_locale(account.locale or "pl"):
        for item in items:
            pref = prefs.get(item.kind)
            mode = pref.mode if pref else DEFAULT_MODES.get(item.kind, OFF)
            by_mail = pref.by_mail if pref else True
            by_push = pref.by_push if pref else True
            if mode == OFF or not ((by_mail and address) or (by_push and devices)):
                item.state = DROPPED
                result.dropped += 1
            elif mode == IMMEDIATE and quiet:
                result.held += 1
            elif mode == IMMEDIATE:
                jobs.extend(_send_one(account, item, address if by_mail else None,
                                      devices if by_push else [], result))
                item.state, item.sent_at = SENT, now
            elif mode == DIGEST:
                digest_items.append(item)
        if digest_items:
            jobs.extend(_maybe_digest(account, digest_items, prefs, address, devices,
                                      now, window, result))
    _release(items)
    return jobs


def _url(item: Notification) -> str:
    path = item.path if item.path and item.path.startswith("/") else "/"
    return f"{_base()}{path}"


def _send_one(account: SchoolAccount, item: Notification, address: str | None,
              devices: list[PushSubscription], result: RunResult) -> list[PushJob]:
    line = headline(item.kind, item.params or {})
    stop = stop_url(account, item.kind)
    if address:
        context = {"headline": line, "url": _url(item), "stop_url": stop,
                   "t": mail_phrases(kind=kind_name(item.kind)), "settings_url": _settings_url()}
        outbox.enqueue(address, _subject("single", context),
                       _render("single.txt", context).strip())
        result.mails += 1
    payload = {"title": "E-dziennik", "body": line, "url": _url(item), "stop": stop,
               "stopLabel": mail_phrases()["push_stop"], "tag": item.kind}
    return [PushJob(d.id, d.endpoint, d.p256dh, d.auth, payload) for d in devices]


def _render(name: str, context: dict) -> str:
    """A mail template without request context processors (the dispatcher runs as a CLI)."""
    return current_app.jinja_env.get_template(f"notifications/mail/{name}").render(**context)


def _subject(name: str, context: dict) -> str:
    return " ".join(_render(f"{name}.subject.txt", context).split())[:300]


def _maybe_digest(account: SchoolAccount, items: list[Notification],
                  prefs: dict[str, NotificationPreference], address: str | None,
                  devices: list[PushSubscription], now: datetime, window: DeliveryWindow,
                  result: RunResult) -> list[PushJob]:
    """The day's one digest, if it is due: a mail with every item, one push saying how many."""
    mark = db.session.get(DigestMark, (account.school_id, account.id))
    if not window.digest_due(now, mark.sent_on if mark else None):
        result.held += len(items)
        return []
    by_mail = [i for i in items if (prefs[i.kind].by_mail if i.kind in prefs else True)]
    by_push = [i for i in items if (prefs[i.kind].by_push if i.kind in prefs else True)]
    stop = stop_url(account, DIGEST_KINDS)
    jobs = []
    if address and by_mail:
        context = {"items": [{"headline": headline(i.kind, i.params or {}), "url": _url(i)}
                             for i in by_mail],
                   "stop_url": stop, "settings_url": _settings_url(),
                   "t": mail_phrases(count=len(by_mail))}
        outbox.enqueue(address, _subject("digest", context),
                       _render("digest.txt", context).strip())
        result.digests += 1
    if devices and by_push:
        payload = {"title": "E-dziennik",
                   "body": mail_phrases(count=len(by_push))["digest_subject"],
                   "url": f"{_base()}/", "stop": stop,
                   "stopLabel": mail_phrases()["push_stop"], "tag": "digest"}
        jobs = [PushJob(d.id, d.endpoint, d.p256dh, d.auth, payload) for d in devices]
    for item in items:
        item.state, item.sent_at = SENT, now
    if mark is None:
        db.session.add(DigestMark(school_id=account.school_id, account_id=account.id,
                                  sent_on=window.today(now)))
    else:
        mark.sent_on = window.today(now)
    return jobs
