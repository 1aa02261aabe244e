"""Cross-cutting records of the IdP: the mail outbox and audit events; home and health pages."""
