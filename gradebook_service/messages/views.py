"""Wiadomości for families and staff: folders, compose (docs/architecture.md 5.4), threads, files."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from gradebook_service.accounts.access import current_account, login_required
from gradebook_service.accounts.models import PARENT, PUPIL, SchoolAccount
from gradebook_service.extensions import limiter
from gradebook_service.messages import attachments, services
from gradebook_service.messages.policy import may_require_confirmation
from gradebook_service.messages.recipients import options_for, person_label, person_of
from gradebook_service.messages.rendering import local_time, render_body
from gradebook_service.web.family import family_context
from gradebook_service.web.staff import staff_account

bp = Blueprint("messages", __name__, url_prefix="/messages", template_folder="templates",
               static_folder="static", static_url_path="/static")

bp.add_app_template_filter(render_body, "message_body")
bp.add_app_template_filter(local_time, "localtime")
bp.add_app_template_filter(person_label, "person_label")


def _persona() -> tuple[SchoolAccount, dict]:
    """The signed-in account and what its layout needs (family frame or staff menu), or 404."""
    account = current_account()
    if account is not None and account.role in (PARENT, PUPIL):
        return account, {"ctx": family_context(), "layout": "messages/family_base.html",
                         "active": "messages"}
    return staff_account(), {"layout": "messages/staff_base.html"}


def _folder(name: str):
    account, page = _persona()
    query = request.args.get("q", "")
    number = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = services.folder(account, name, query, number)
    return render_template("messages/folder.html", **page, folder=name, rows=rows, q=query,
                           page_number=number, has_more=len(rows) == services.PAGE_SIZE,
                           unread=services.unread_count(account))


@bp.get("")
@login_required
def inbox():
    """Odebrane: threads with messages to the account, newest first."""
    return _folder(services.INBOX)


@bp.get("/sent")
@login_required
def sent():
    """Wysłane, with who has read each message."""
    return _folder(services.SENT)


@bp.get("/archive")
@login_required
def archive():
    """Archiwum: threads the account put away (a new message brings one back)."""
    return _folder(services.ARCHIVE)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit(services.SEND_LIMIT, methods=["POST"], key_func=lambda: str(current_account().id))
def new():
    """Compose: ``recipient`` (repeatable, from the options), ``subject``, ``body``, ``attachment``."""
    account, page = _persona()
    options = options_for(account)
    problems: dict[str, str] = {}
    chosen = request.form.getlist("recipient") if request.method == "POST" else \
        request.args.getlist("to")
    if request.method == "POST":
        try:
            thread = services.send(account, chosen, request.form.get("subject", ""),
                                   request.form.get("body", ""), request.files.get("attachment"),
                                   requires_confirmation=bool(request.form.get("confirm")))
        except services.MessageError as exc:
            problems = exc.problems
        else:
            flash(_("Message sent."), "success")
            return redirect(url_for("messages.thread", thread_id=thread.id), code=303)
    groups: dict[str, list] = {}
    for option in options:
        groups.setdefault(option.group, []).append(option)
    return render_template("messages/new.html", **page, groups=groups, chosen=set(chosen),
                           form=request.form, problems=problems,
                           can_confirm=may_require_confirmation(person_of(account)),
                           max_size=attachments.size_text(attachments.max_bytes()),
                           types=", ".join(attachments.allowed_extensions()),
                           family=account.role in (PARENT, PUPIL)), (422 if problems else 200)


def _thread_or_404(account: SchoolAccount, thread_id: int):
    thread = services.thread_or_none(account, thread_id)
    if thread is None:
        abort(404)
    return thread


@bp.get("/<int:thread_id>")
@login_required
def thread(thread_id: int):
    """A conversation: opening it marks what the account received as read."""
    account, page = _persona()
    conversation = _thread_or_404(account, thread_id)
    return _render_thread(account, page, conversation, {}, "", None)


def _render_thread(account, page, conversation, problems, body, chosen, status=200):
    shown = services.open_thread(account, conversation)
    participant = services.participant(conversation, account.id)
    choice = services.reply_choice(account, conversation)
    return render_template("messages/thread.html", **page, thread=conversation, shown=shown,
                           problems=problems, body=body, archived=participant.archived_at,
                           choice=choice, chosen=choice.default_ids if chosen is None else chosen,
                           can_confirm=may_require_confirmation(person_of(account)),
                           max_size=attachments.size_text(attachments.max_bytes()),
                           types=", ".join(attachments.allowed_extensions())), status


@bp.post("/<int:thread_id>/reply")
@login_required
@limiter.limit(services.REPLY_LIMIT, key_func=lambda: str(current_account().id))
def reply(thread_id: int):
    """Answer in the thread: it reaches the people the account may answer there."""
    account, page = _persona()
    conversation = _thread_or_404(account, thread_id)
    values = request.form.getlist("recipient")
    try:
        services.reply(account, conversation, values, request.form.get("body", ""),
                       request.files.get("attachment"),
                       requires_confirmation=bool(request.form.get("confirm")))
    except services.MessageError as exc:
        chosen = {int(v.split(":", 1)[1]) for v in values
                  if v.startswith("account:") and v.split(":", 1)[1].isdigit()}
        return _render_thread(account, page, conversation, exc.problems,
                              request.form.get("body", ""), chosen, 422)
    flash(_("Answer sent."), "success")
    return redirect(url_for("messages.thread", thread_id=conversation.id), code=303)


@bp.post("/<int:thread_id>/messages/<int:message_id>/confirm")
@login_required
def confirm(thread_id: int, message_id: int):
    """Confirm having read a message that asks for it."""
    account, _page = _persona()
    conversation = _thread_or_404(account, thread_id)
    if not services.confirm(account, conversation, message_id):
        abort(404)
    flash(_("Thank you: reading confirmed."), "success")
    return redirect(url_for("messages.thread", thread_id=conversation.id), code=303)


@bp.post("/<int:thread_id>/archive")
@login_required
def archive_thread(thread_id: int):
    """Move the thread to the archive, or back with ``restore``."""
    account, _page = _persona()
    conversation = _thread_or_404(account, thread_id)
    restore = bool(request.form.get("restore"))
    services.set_archived(account, conversation, not restore)
    flash(_("Moved back to the inbox.") if restore else _("Moved to the archive."), "success")
    target = (url_for("messages.thread", thread_id=conversation.id) if restore
              else url_for("messages.inbox"))
    return redirect(target, code=303)


@bp.get("/attachments/<public_id>")
@login_required
def attachment(public_id: str):
    """A file of a message the account sent or received, always as a download."""
    account, _page = _persona()
    item = services.attachment_for(account, public_id)
    if item is None:
        abort(404)
    response = attachments.download(item.stored_name, item.content_type, item.filename)
    if response is None:
        abort(404)
    return response
