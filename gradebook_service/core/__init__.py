"""Cross-cutting records of the gradebook: the mail outbox and audit events; health page."""
