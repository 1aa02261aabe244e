"""``/api/v1/messages``: the account's threads, one thread, new messages, answers, recipients.

Messages belong to a school account, not to a pupil: a parent has one account per child
(and the token may name several), so the paths are not under ``/pupils/{id}`` and an
optional ``account`` parameter (the ref of the token's ``school_accounts``, also given
per pupil in ``/me``) picks the account when the token speaks for more than one.

Everything goes through the messages domain (``messages/services.py``, ``recipients.py``,
``policy.py``), the same code as the Wiadomości pages: opening a thread here marks it read
exactly as the web page does, so the sender's read receipts stay true.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.api import scopes
from gradebook_service.api.blueprint import operation
from gradebook_service.api.caller import Caller
from gradebook_service.api.errors import BadRequest, NotFound, TooManyRequests, Unprocessable
from gradebook_service.api.http import (
    decode_cursor,
    encode_cursor,
    invalid_cursor,
    json_response,
    parse_body,
    parse_query,
)
from gradebook_service.api.operations import schemas
from gradebook_service.messages import attachments, services
from gradebook_service.messages.models import MessageThread
from gradebook_service.messages.recipients import options_for, person_label
from gradebook_service.messages.services import MessageError

#: The domain's form field names → the API body's.
FIELDS = {"recipient": "recipients", "subject": "subject", "body": "body"}
#: An hour: when a used-up sending quota is worth trying again at the latest.
QUOTA_RETRY = 3600


def _account(caller: Caller, ref: str | None) -> SchoolAccount:
    """The token's school account ``ref`` (or its only one); 404 for anything else."""
    if ref is not None:
        for account in caller.accounts:
            if account.ref == ref:
                return account
        raise NotFound(_l("No such school account for this token."))
    if len(caller.accounts) == 1:
        return caller.accounts[0]
    if not caller.accounts:
        raise NotFound(_l("This token speaks for no school account."))
    raise BadRequest(_l("The token speaks for more than one school account: choose one."),
                     errors=[{"loc": "account",
                              "message": str(_l("required for this token"))}])


def _thread(account: SchoolAccount, thread_id: str) -> MessageThread:
    """A thread the account takes part in; another family's (or none) is 404."""
    found = (services.thread_or_none(account, int(thread_id))
             if thread_id.isdigit() and len(thread_id) <= 18 else None)
    if found is None:
        raise NotFound(_l("No such thread for this account."))
    return found


def _refused(error: MessageError) -> Unprocessable:
    """The domain's refusal as 422, each problem under the API field it concerns."""
    return Unprocessable(_l("The message was not sent."), errors=[
        {"loc": FIELDS.get(name, name), "message": text}
        for name, text in error.problems.items()])


def _quota(account: SchoolAccount, limit: str) -> None:
    if not services.take_quota(account, limit):
        raise TooManyRequests(_l("This account has sent as many messages as it may this "
                                 "hour; try again later."),
                              retry_after=QUOTA_RETRY, rate_headers={})


def _cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    key = decode_cursor(cursor)
    try:
        at, thread_id = key
        return datetime.fromisoformat(at), int(thread_id)
    except (TypeError, ValueError):
        raise invalid_cursor() from None


@operation("GET", "/messages",
           "The account's threads in a folder (inbox, sent, archive), newest first",
           "Threads", scope=scopes.MESSAGES_READ, query="ThreadListQuery",
           not_found=True)
def threads(caller: Caller):
    query = parse_query(schemas.ThreadListQuery)
    account = _account(caller, query.account)
    rows = services.folder(account, query.folder, query.q or "", after=_cursor(query.cursor),
                           limit=query.limit + 1)
    page = rows[:query.limit]
    more = len(rows) > query.limit and page[-1].last_at is not None
    return json_response(schemas.Threads(
        account=account.ref,
        next_cursor=encode_cursor((page[-1].last_at.isoformat(), page[-1].thread.id))
        if more else None,
        items=[schemas.ThreadSummary(
            id=row.thread.id, subject=row.thread.subject, counterpart=row.counterpart,
            last_at=row.last_at, unread=row.unread > 0, unread_count=row.unread,
            archived=row.participant.archived_at is not None) for row in page]))


@operation("GET", "/messages/recipients",
           "Whom the account may write to (the same rule as the web form)",
           "Recipients", scope=scopes.MESSAGES_SEND, query="AccountQuery",
           not_found=True)
def recipients(caller: Caller):
    query = parse_query(schemas.AccountQuery)
    account = _account(caller, query.account)
    return json_response(schemas.Recipients(account=account.ref, items=[
        schemas.Recipient(id=o.value, name=o.label, group=o.group)
        for o in options_for(account)]))


@operation("GET", "/messages/<thread_id>",
           "One thread: reading it marks the messages to the account read",
           "Thread", scope=scopes.MESSAGES_READ, query="AccountQuery",
           not_found=True)
def thread(caller: Caller, thread_id: str):
    query = parse_query(schemas.AccountQuery)
    account = _account(caller, query.account)
    conversation = _thread(account, thread_id)
    shown = services.open_thread(account, conversation)
    choice = services.reply_choice(account, conversation)
    return json_response(schemas.Thread(
        id=conversation.id, subject=conversation.subject,
        archived=services.participant(conversation, account.id).archived_at is not None,
        messages=[schemas.MessageItem(
            id=s.message.id, sender=person_label(s.message.sender), mine=s.mine,
            body=s.message.body, created_at=s.message.created_at,
            requires_confirmation=s.message.requires_confirmation,
            read_at=s.receipt.read_at if s.receipt else None,
            confirmed_at=s.receipt.confirmed_at if s.receipt else None,
            attachments=[schemas.AttachmentInfo(id=f.public_id, filename=f.filename,
                                                content_type=f.content_type, size=f.size)
                         for f in s.attachments],
            receipts=[schemas.ReceiptInfo(recipient=person_label(r.account), read_at=r.read_at,
                                          confirmed_at=r.confirmed_at) for r in s.receipts])
            for s in shown],
        reply_to=[schemas.Recipient(id=f"account:{p.id}", name=person_label(p), group="")
                  for p in choice.people],
        reply_default=[f"account:{i}" for i in sorted(choice.default_ids)]))


@operation("POST", "/messages", "Start a thread with recipients the account may write to",
           "Sent", scope=scopes.MESSAGES_SEND, query="AccountQuery",
           body="NewMessage", status=201, not_found=True)
def send(caller: Caller):
    query = parse_query(schemas.AccountQuery)
    body = parse_body(schemas.NewMessage)
    account = _account(caller, query.account)
    _quota(account, services.SEND_LIMIT)
    try:
        first = services.start(account, body.recipients, body.subject, body.body)
    except MessageError as error:
        raise _refused(error) from None
    return json_response(schemas.Sent(thread_id=first.thread_id, message_id=first.id),
                         status=201)


@operation("POST", "/messages/<thread_id>/replies",
           "Answer in a thread (by default to whom the web form preselects)",
           "Sent", scope=scopes.MESSAGES_SEND, query="AccountQuery",
           body="NewReply", status=201, not_found=True)
def reply(caller: Caller, thread_id: str):
    query = parse_query(schemas.AccountQuery)
    body = parse_body(schemas.NewReply)
    account = _account(caller, query.account)
    conversation = _thread(account, thread_id)
    _quota(account, services.REPLY_LIMIT)
    chosen = body.recipients
    if chosen is None:
        chosen = [f"account:{i}" for i in
                  sorted(services.reply_choice(account, conversation).default_ids)]
    try:
        message = services.reply(account, conversation, chosen, body.body)
    except MessageError as error:
        raise _refused(error) from None
    return json_response(schemas.Sent(thread_id=conversation.id, message_id=message.id),
                         status=201)


@operation("GET", "/messages/attachments/<attachment_id>",
           "An attachment of a message the account sent or received, as a download",
           None, scope=scopes.MESSAGES_READ, query="AccountQuery", not_found=True,
           media_type="*/*")
def attachment(caller: Caller, attachment_id: str):
    query = parse_query(schemas.AccountQuery)
    account = _account(caller, query.account)
    item = services.attachment_for(account, attachment_id) if len(attachment_id) <= 40 else None
    response = (attachments.download(item.stored_name, item.content_type, item.filename)
                if item is not None else None)
    if response is None:
        raise NotFound(_l("No such attachment for this account."))
    response.headers["Vary"] = "Authorization"
    return response
