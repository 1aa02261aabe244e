"""Audit events for security-relevant actions (sign-ins, password changes, resets, consents).

Each service maps :class:`AuditEventMixin` to its own ``audit_event`` table. Events
never carry passwords, tokens or secrets: ``details`` is for identifiers only.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import UTCDateTime, utcnow

_FORBIDDEN_KEYS = {"password", "secret", "token", "code", "new_password", "school_password"}


class AuditEventMixin:
    """Who did what to whom, when and from where."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False,
                                                 index=True)
    event: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    subject: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(256))
    details: Mapped[dict | None] = mapped_column(sa.JSON)


def record(db, model, event: str, *, actor: str | None = None, subject: str | None = None,
           **details) -> None:
    """Add an audit event to the current transaction."""
    leaked = _FORBIDDEN_KEYS.intersection(details)
    if leaked:
        raise ValueError(f"audit details must not contain secrets: {sorted(leaked)}")
    ip = user_agent = None
    if has_request_context():
        ip = request.remote_addr
        user_agent = (request.user_agent.string or "")[:256]
    db.session.add(model(event=event, actor=actor, subject=subject, ip=ip,
                         user_agent=user_agent, details=details or None, created_at=utcnow()))
