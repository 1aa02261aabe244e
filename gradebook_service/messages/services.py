"""Send and answer messages, list the folders, open a thread (read receipts), confirm reading.

Every query is scoped by the school and by the account's own participant and
receipt rows, so a thread or file of another family is simply not found (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.core.models import audit
from gradebook_service.extensions import db, limiter
from gradebook_service.messages import attachments
from gradebook_service.messages.models import (
    Message,
    MessageAttachment,
    MessageReceipt,
    MessageThread,
    ThreadParticipant,
)
from gradebook_service.messages.policy import may_reply, may_require_confirmation
from gradebook_service.messages.recipients import child_ties, expand, person_label, person_of
from gradebook_service.notifications.models import MESSAGE
from gradebook_service.notifications.services import notify
from gradebook_service.school.models import Guardianship, Pupil
from shared.database import utcnow

SUBJECT_MAX = 200
BODY_MAX = 20000
PAGE_SIZE = 50
INBOX, SENT, ARCHIVE = "inbox", "sent", "archive"
#: How many new threads and answers one account may send an hour (web form and API alike).
SEND_LIMIT = "30 per hour"
REPLY_LIMIT = "60 per hour"
FOLDERS = (INBOX, SENT, ARCHIVE)


class MessageError(Exception):
    """The message cannot be sent; ``problems`` maps form fields to explanations."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


ATTACHMENT_PROBLEMS = {
    "too_large": _l("The attachment is too large: at most %(size)s."),
    "type": _l("This type of file cannot be attached. Allowed: %(types)s."),
    "empty": _l("The attachment is empty."),
}


def attachment_problem(reason: str) -> str:
    """The user's explanation of a refused attachment."""
    return str(ATTACHMENT_PROBLEMS[reason] % {
        "size": attachments.size_text(attachments.max_bytes()),
        "types": ", ".join(attachments.allowed_extensions())})


def take_quota(account: SchoolAccount, limit: str) -> bool:
    """Count one message of ``account`` against ``limit`` (SEND_LIMIT or REPLY_LIMIT) in the
    shared throttle store; False when the hour's quota is used up (nothing is counted then).

    The web forms count through their route decorators; callers without a session (the
    JSON API) count here, on counters of their own with the same quotas.
    """
    if not limiter.enabled:
        return True
    key = f"{current_app.config['RATELIMIT_KEY_PREFIX']}:messages:{limit}:{account.id}"
    return limiter.limiter.hit(parse(limit), key)


def _check_text(subject: str | None, body: str) -> dict[str, str]:
    problems = {}
    if subject is not None and not subject.strip():
        problems["subject"] = str(_l("Give the message a subject."))
    elif subject is not None and len(subject.strip()) > SUBJECT_MAX:
        problems["subject"] = str(_l("The subject can have at most %(n)d characters.",
                                     n=SUBJECT_MAX))
    if not body.strip():
        problems["body"] = str(_l("Write the message."))
    elif len(body) > BODY_MAX:
        problems["body"] = str(_l("The message can have at most %(n)d characters.", n=BODY_MAX))
    return problems


def _store_upload(account: SchoolAccount, upload: FileStorage | None,
                  problems: dict[str, str]) -> attachments.StoredFile | None:
    if upload is None or not upload.filename:
        return None
    if problems:  # do not keep a file for a message that will be shown again
        return None
    try:
        return attachments.store(upload, account.school_id)
    except attachments.AttachmentError as exc:
        problems["attachment"] = attachment_problem(exc.reason)
        return None


def participant(thread: MessageThread, account_id: int) -> ThreadParticipant:
    row = db.session.execute(sa.select(ThreadParticipant).where(
        ThreadParticipant.school_id == thread.school_id, ThreadParticipant.thread_id == thread.id,
        ThreadParticipant.account_id == account_id)).scalar_one_or_none()
    if row is None:
        row = ThreadParticipant(school_id=thread.school_id, thread_id=thread.id,
                                account_id=account_id)
        db.session.add(row)
    return row


def _post(account: SchoolAccount, thread: MessageThread, recipient_ids: list[int], body: str,
          stored: attachments.StoredFile | None, requires_confirmation: bool) -> Message:
    now = utcnow()
    message = Message(school_id=account.school_id, thread_id=thread.id, sender_id=account.id,
                      body=body.strip(), requires_confirmation=requires_confirmation,
                      created_at=now)
    db.session.add(message)
    db.session.flush()
    for recipient_id in recipient_ids:
        db.session.add(MessageReceipt(school_id=account.school_id, message_id=message.id,
                                      thread_id=thread.id, account_id=recipient_id))
    existing = {p.account_id: p for p in db.session.execute(sa.select(ThreadParticipant).where(
        ThreadParticipant.school_id == thread.school_id,
        ThreadParticipant.thread_id == thread.id)).scalars()}
    for recipient_id in recipient_ids:
        row = existing.get(recipient_id) or participant(thread, recipient_id)
        row.last_received_at, row.archived_at = now, None  # a new message leaves the archive
    mine = existing.get(account.id) or participant(thread, account.id)
    mine.last_sent_at = now
    if stored is not None:
        db.session.add(MessageAttachment(school_id=account.school_id, message_id=message.id,
                                         stored_name=stored.stored_name, filename=stored.filename,
                                         content_type=stored.content_type, size=stored.size))
    db.session.flush()
    notify(MESSAGE, school_id=account.school_id, account_ids=recipient_ids,
           params={"sender": account.display_name, "subject": thread.subject},
           path=f"/messages/{thread.id}")
    return message


def send(account: SchoolAccount, values: list[str], subject: str, body: str,
         upload: FileStorage | None = None, requires_confirmation: bool = False) -> MessageThread:
    """Start a thread with the chosen recipients; raise :class:`MessageError` on any problem."""
    return start(account, values, subject, body, upload, requires_confirmation).thread


def start(account: SchoolAccount, values: list[str], subject: str, body: str,
          upload: FileStorage | None = None, requires_confirmation: bool = False) -> Message:
    """:func:`send`, answering the thread's first message (the API names both)."""
    problems = _check_text(subject, body)
    try:
        recipient_ids = expand(account, [v for v in values if v])
    except ValueError:
        audit("message.recipient_refused", actor=account.login)
        problems["recipient"] = str(_l("You cannot write to one of the chosen recipients."))
        recipient_ids = []
    else:
        if not recipient_ids:
            problems["recipient"] = str(_l("Choose at least one recipient."))
    if requires_confirmation and not may_require_confirmation(person_of(account)):
        requires_confirmation = False
    stored = _store_upload(account, upload, problems)
    if problems:
        raise MessageError(problems)
    thread = MessageThread(school_id=account.school_id, subject=subject.strip(),
                           started_by_id=account.id)
    db.session.add(thread)
    db.session.flush()
    return _post(account, thread, recipient_ids, body, stored, requires_confirmation)


@dataclass
class ReplyChoice:
    """Whom an answer may reach in a thread, and whom it goes to unless the sender changes it."""

    people: list[SchoolAccount]
    default_ids: set[int]


def reply_choice(account: SchoolAccount, thread: MessageThread) -> ReplyChoice:
    """The people ``account`` may answer in the thread: those it wrote to or heard from there.

    Never the other recipients of a message to many (the other families of a class). The
    default is the author of the newest message to the account — a teacher answering one
    parent of a class-wide message answers that parent only — or, after the account's own
    message, the people it went to.
    """
    received = list(db.session.execute(sa.select(Message.id, Message.sender_id).join(
        MessageReceipt, MessageReceipt.message_id == Message.id).where(
        MessageReceipt.school_id == account.school_id, MessageReceipt.thread_id == thread.id,
        MessageReceipt.account_id == account.id)))
    sent = list(db.session.execute(sa.select(Message.id, MessageReceipt.account_id).join(
        Message, Message.id == MessageReceipt.message_id).where(
        MessageReceipt.school_id == account.school_id, MessageReceipt.thread_id == thread.id,
        Message.sender_id == account.id)))
    wrote_to_me = {sender_id for _id, sender_id in received}
    people = wrote_to_me | {recipient_id for _id, recipient_id in sent}
    if not people:
        return ReplyChoice([], set())
    sender, ties = person_of(account), child_ties(account)
    others = [o for o in db.session.execute(
        sa.select(SchoolAccount).where(
            SchoolAccount.school_id == account.school_id, SchoolAccount.id.in_(people),
            SchoolAccount.is_active.is_(True)).options(*_with_names())
        .order_by(SchoolAccount.id)).unique().scalars()
        if o.id != account.id and may_reply(sender, person_of(o), ties,
                                            wrote_to_sender=o.id in wrote_to_me)]
    last_in = max((i for i, _s in received), default=0)
    last_out = max((i for i, _r in sent), default=0)
    if last_in > last_out:
        default = {s for i, s in received if i == last_in}
    else:
        default = {r for i, r in sent if i == last_out}
    return ReplyChoice(others, default & {o.id for o in others})


def reply(account: SchoolAccount, thread: MessageThread, values: list[str], body: str,
          upload: FileStorage | None = None, requires_confirmation: bool = False) -> Message:
    """Answer the chosen people of a thread; raise :class:`MessageError` on any problem."""
    problems = _check_text(None, body)
    allowed = {f"account:{o.id}": o.id for o in reply_choice(account, thread).people}
    chosen = [v for v in values if v]
    if any(v not in allowed for v in chosen):
        audit("message.recipient_refused", actor=account.login)
        problems["recipient"] = str(_l("You cannot write to one of the chosen recipients."))
    elif not chosen:
        problems["recipient"] = str(_l("Choose at least one recipient."))
    stored = _store_upload(account, upload, problems)
    if problems:
        raise MessageError(problems)
    return _post(account, thread, list(dict.fromkeys(allowed[v] for v in chosen)), body, stored,
                 requires_confirmation and may_require_confirmation(person_of(account)))


def thread_or_none(account: SchoolAccount, thread_id: int) -> MessageThread | None:
    """A thread the account takes part in (anything else: None, shown as 404)."""
    return db.session.execute(sa.select(MessageThread).join(
        ThreadParticipant, ThreadParticipant.thread_id == MessageThread.id).where(
        MessageThread.school_id == account.school_id, MessageThread.id == thread_id,
        ThreadParticipant.school_id == account.school_id,
        ThreadParticipant.account_id == account.id)).scalar_one_or_none()


@dataclass
class Row:
    """A thread in a folder list."""

    thread: MessageThread
    participant: ThreadParticipant
    unread: int
    last_at: datetime | None
    counterpart: str


def unread_count_query(account: SchoolAccount) -> sa.ScalarSelect:
    """A scalar subquery: messages to the account not yet opened (for badges in one query)."""
    return sa.select(sa.func.count(MessageReceipt.id)).where(
        MessageReceipt.school_id == account.school_id, MessageReceipt.account_id == account.id,
        MessageReceipt.read_at.is_(None)).scalar_subquery()


def unread_count(account: SchoolAccount) -> int:
    """How many messages to the account are unread (one query)."""
    return db.session.execute(sa.select(unread_count_query(account))).scalar_one()


def folder(account: SchoolAccount, name: str, query: str = "", page: int = 1,
           after: tuple[datetime, int] | None = None, limit: int = PAGE_SIZE) -> list[Row]:
    """One page of a folder (newest first), optionally searched; a fixed number of queries.

    The web pages number their pages; the API passes ``after`` instead, the (time, thread
    id) of the last row it showed, so a message arriving meanwhile neither repeats nor
    skips a thread (keyset pagination over the same order).
    """
    p = ThreadParticipant
    unread = (sa.select(sa.func.count(MessageReceipt.id)).where(
        MessageReceipt.school_id == account.school_id, MessageReceipt.account_id == account.id,
        MessageReceipt.thread_id == p.thread_id, MessageReceipt.read_at.is_(None))
        .correlate(p).scalar_subquery())
    if name == SENT:
        last, condition = p.last_sent_at, p.last_sent_at.is_not(None)
    elif name == ARCHIVE:
        last, condition = sa.func.coalesce(p.last_received_at, p.last_sent_at), \
            p.archived_at.is_not(None)
    else:
        last, condition = p.last_received_at, sa.and_(p.last_received_at.is_not(None),
                                                      p.archived_at.is_(None))
    stmt = (sa.select(MessageThread, p, unread, last)
            .join(p, p.thread_id == MessageThread.id)
            .where(MessageThread.school_id == account.school_id, p.school_id == account.school_id,
                   p.account_id == account.id, condition))
    if query.strip():
        needle = query.strip()[:100].lower()
        mine = sa.or_(Message.sender_id == account.id, Message.id.in_(
            sa.select(MessageReceipt.message_id).where(
                MessageReceipt.school_id == account.school_id,
                MessageReceipt.account_id == account.id,
                MessageReceipt.thread_id == MessageThread.id)))
        stmt = stmt.where(sa.or_(
            sa.func.lower(MessageThread.subject).contains(needle, autoescape=True),
            sa.exists().where(Message.school_id == account.school_id,
                              Message.thread_id == MessageThread.id, mine,
                              sa.func.lower(Message.body).contains(needle, autoescape=True))))
    if after is not None:
        after_at, after_id = after
        stmt = stmt.where(sa.or_(last < after_at,
                                 sa.and_(last == after_at, MessageThread.id < after_id)))
        offset = 0
    else:
        offset = (max(page, 1) - 1) * limit
    rows = list(db.session.execute(stmt.order_by(last.desc(), MessageThread.id.desc())
                                   .limit(limit).offset(offset)))
    names = _counterparts(account, [r[0].id for r in rows], sent=name == SENT)
    return [Row(t, part, n, at, names.get(t.id, "")) for t, part, n, at in rows]


def _counterparts(account: SchoolAccount, thread_ids: list[int], sent: bool) -> dict[int, str]:
    """For each thread, who wrote to the account (or, in Sent, whom it wrote to): one query."""
    if not thread_ids:
        return {}
    if sent:
        stmt = (sa.select(Message.thread_id, SchoolAccount)
                .join(MessageReceipt, MessageReceipt.message_id == Message.id)
                .join(SchoolAccount, SchoolAccount.id == MessageReceipt.account_id)
                .where(Message.school_id == account.school_id, Message.sender_id == account.id))
    else:
        stmt = (sa.select(Message.thread_id, SchoolAccount)
                .join(MessageReceipt, MessageReceipt.message_id == Message.id)
                .join(SchoolAccount, SchoolAccount.id == Message.sender_id)
                .where(MessageReceipt.school_id == account.school_id,
                       MessageReceipt.account_id == account.id))
    stmt = stmt.where(Message.thread_id.in_(thread_ids)).order_by(Message.id)
    found: dict[int, list[int]] = {}
    accounts: dict[int, SchoolAccount] = {}
    for thread_id, other in db.session.execute(stmt.options(*_with_names())):
        accounts[other.id] = other
        ids = found.setdefault(thread_id, [])
        if other.id not in ids:
            ids.append(other.id)
    result = {}
    for thread_id, ids in found.items():
        shown = [person_label(accounts[i]) for i in ids[:3]]
        more = len(ids) - len(shown)
        result[thread_id] = ", ".join(shown) + (f" +{more}" if more else "")
    return result


def _with_names(relationship=None) -> tuple:
    """Loader options so ``person_label`` of many accounts costs no query per account.

    Every link on the way is many-to-one, so they are joined into the same query.
    """
    def load(attr):
        return (joinedload(relationship).joinedload(attr) if relationship is not None
                else joinedload(attr))

    return (load(SchoolAccount.staff),
            load(SchoolAccount.pupil).joinedload(Pupil.school_class),
            load(SchoolAccount.guardianship).joinedload(Guardianship.guardian),
            load(SchoolAccount.guardianship).joinedload(Guardianship.pupil)
            .joinedload(Pupil.school_class))


@dataclass
class Shown:
    """A message as one participant sees it."""

    message: Message
    mine: bool
    receipt: MessageReceipt | None
    attachments: list[MessageAttachment] = field(default_factory=list)
    #: For the sender: every recipient's receipt (who read it, when, who confirmed).
    receipts: list[MessageReceipt] = field(default_factory=list)


def open_thread(account: SchoolAccount, thread: MessageThread) -> list[Shown]:
    """The messages of a thread the account sent or received, marking received ones read."""
    mine = sa.or_(Message.sender_id == account.id, Message.id.in_(
        sa.select(MessageReceipt.message_id).where(
            MessageReceipt.school_id == account.school_id, MessageReceipt.thread_id == thread.id,
            MessageReceipt.account_id == account.id)))
    messages = list(db.session.execute(
        sa.select(Message).where(Message.school_id == account.school_id,
                                 Message.thread_id == thread.id, mine)
        .options(*_with_names(Message.sender))
        .order_by(Message.created_at, Message.id)).scalars())
    ids = [m.id for m in messages]
    own_ids = [m.id for m in messages if m.sender_id == account.id]
    # Only the account's own receipts and those of its own messages: the other recipients
    # of a message to many are never even loaded.
    receipts = list(db.session.execute(sa.select(MessageReceipt).where(
        MessageReceipt.school_id == account.school_id, MessageReceipt.thread_id == thread.id,
        MessageReceipt.message_id.in_(ids),
        sa.or_(MessageReceipt.account_id == account.id, MessageReceipt.message_id.in_(own_ids)))
        .options(*_with_names(MessageReceipt.account))).unique().scalars()) if ids else []
    files = list(db.session.execute(sa.select(MessageAttachment).where(
        MessageAttachment.school_id == account.school_id,
        MessageAttachment.message_id.in_(ids)).order_by(MessageAttachment.id)).scalars()
    ) if ids else []
    now = utcnow()
    shown = []
    for message in messages:
        own = message.sender_id == account.id
        receipt = next((r for r in receipts if r.message_id == message.id
                        and r.account_id == account.id), None)
        if receipt is not None and receipt.read_at is None:
            receipt.read_at = now
        shown.append(Shown(message, own, receipt,
                           [f for f in files if f.message_id == message.id],
                           [r for r in receipts if r.message_id == message.id] if own else []))
    db.session.flush()
    return shown


def confirm(account: SchoolAccount, thread: MessageThread, message_id: int) -> bool:
    """Confirm reading a message that asks for it; False if there is no such receipt."""
    receipt = db.session.execute(sa.select(MessageReceipt).join(
        Message, Message.id == MessageReceipt.message_id).where(
        MessageReceipt.school_id == account.school_id, MessageReceipt.thread_id == thread.id,
        MessageReceipt.message_id == message_id, MessageReceipt.account_id == account.id,
        Message.requires_confirmation.is_(True))).scalar_one_or_none()
    if receipt is None:
        return False
    now = utcnow()
    receipt.read_at = receipt.read_at or now
    receipt.confirmed_at = receipt.confirmed_at or now
    db.session.flush()
    return True


def set_archived(account: SchoolAccount, thread: MessageThread, archived: bool) -> None:
    """Move the thread to the account's archive or back (nobody else's folders change)."""
    row = participant(thread, account.id)
    row.archived_at = utcnow() if archived else None
    db.session.flush()


def attachment_for(account: SchoolAccount, public_id: str) -> MessageAttachment | None:
    """An attachment of a message the account sent or received (else None: 404)."""
    received = sa.select(MessageReceipt.message_id).where(
        MessageReceipt.school_id == account.school_id, MessageReceipt.account_id == account.id)
    return db.session.execute(sa.select(MessageAttachment).join(
        Message, Message.id == MessageAttachment.message_id).where(
        MessageAttachment.school_id == account.school_id, MessageAttachment.public_id == public_id,
        Message.school_id == account.school_id,
        sa.or_(Message.sender_id == account.id, Message.id.in_(received)))).scalar_one_or_none()
