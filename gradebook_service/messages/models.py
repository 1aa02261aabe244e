"""Threads, their messages, who received each message (read receipts) and attachments.

A message is visible to its sender and its recipients only: a parent who replies in a
thread a teacher started with a whole class reaches the teacher, never the other families.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.school.keys import SchoolKeyed, school_relationship
from shared.database import utcnow


def new_public_id() -> str:
    """An unguessable identifier for URLs and stored file names."""
    return secrets.token_urlsafe(24)


class MessageThread(SchoolKeyed, db.Model):
    """A conversation under one subject."""

    __tablename__ = "message_thread"
    __table_args__ = (sa.Index("ix_message_thread_school_created", "school_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    subject: Mapped[str] = mapped_column(sa.String(200))
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThreadParticipant(SchoolKeyed, db.Model):
    """One account's place in a thread: its folders, kept apart from everyone else's."""

    __tablename__ = "message_participant"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "account_id", "thread_id"),
        sa.Index("ix_message_participant_school_thread", "school_id", "thread_id"),
        sa.Index("ix_message_participant_school_account_received", "school_id", "account_id",
                 "last_received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("message_thread.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    #: The newest message this account received / sent in the thread (None: never).
    last_received_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]
    #: Set when the account moves the thread to the archive; a new message brings it back.
    archived_at: Mapped[datetime | None]

    thread: Mapped[MessageThread] = school_relationship()
    account: Mapped[SchoolAccount] = school_relationship()


class Message(SchoolKeyed, db.Model):
    """One message in a thread, plain text (shown escaped, with links made clickable)."""

    __tablename__ = "message"
    __table_args__ = (sa.Index("ix_message_school_thread", "school_id", "thread_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("message_thread.id"))
    sender_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    #: Staff ask recipients to confirm they have read it (and see who has not).
    requires_confirmation: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    thread: Mapped[MessageThread] = school_relationship()
    sender: Mapped[SchoolAccount] = school_relationship()


class MessageReceipt(SchoolKeyed, db.Model):
    """A recipient of a message: when they opened it and, if asked, confirmed reading it."""

    __tablename__ = "message_receipt"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "message_id", "account_id"),
        sa.Index("ix_message_receipt_school_account_unread", "school_id", "account_id",
                 "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("message.id"))
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("message_thread.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("school_account.id"))
    read_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]

    account: Mapped[SchoolAccount] = school_relationship()


class MessageAttachment(SchoolKeyed, db.Model):
    """A file sent with a message, stored outside the web root under an unguessable name."""

    __tablename__ = "message_attachment"
    __table_args__ = (
        sa.Index("ix_message_attachment_school_message", "school_id", "message_id"),
        # Unique per school; the public id is looked up within the reader's school.
        sa.UniqueConstraint("school_id", "public_id"),
        # The stored name starts with its school's folder, so unique per school is unique:
        # two schools can never hold the same name (attachments.store writes <school>/<hex>).
        sa.UniqueConstraint("school_id", "stored_name"),
        sa.CheckConstraint("stored_name LIKE CAST(school_id AS VARCHAR(12)) || '/%'",
                           name="stored_in_school"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("message.id"))
    public_id: Mapped[str] = mapped_column(sa.String(40), default=new_public_id)
    #: The file's name on disk: ``<school id>/<random hex>``, never derived from the upload.
    stored_name: Mapped[str] = mapped_column(sa.String(80))
    #: The uploader's file name, sanitised (shown and offered on download).
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
