"""The IdP's outbox and audit tables (columns defined once in ``shared``)."""

from idp.extensions import db
from shared.audit import AuditEventMixin
from shared.outbox import OutboxMessageMixin
from shared.throttle_store import ThrottleCounterMixin


class OutboxMessage(OutboxMessageMixin, db.Model):
    """A mail waiting for (or done with) delivery."""


class ThrottleCounter(ThrottleCounterMixin, db.Model):
    """A failure or mail-sending counter shared by every process (shared.throttle_store)."""


class AuditEvent(AuditEventMixin, db.Model):
    """A security-relevant event."""


def audit(event: str, *, actor: str | None = None, subject: str | None = None, **details) -> None:
    """Record an audit event in the current transaction."""
    from shared.audit import record

    record(db, AuditEvent, event, actor=actor, subject=subject, **details)
