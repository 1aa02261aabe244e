"""Factories for unified accounts in IdP tests (a helper module, not a test file)."""

from __future__ import annotations

import itertools

from idp.accounts import services
from idp.accounts.models import ACTIVE, SchoolAccountLink
from idp.extensions import db

PASSWORD = "Zielony7Las"
_counter = itertools.count(1)


def make_account(email: str | None = None, password: str = PASSWORD, *, status: str = ACTIVE,
                 given_name: str | None = "Anna", family_name: str | None = "Nowak", links=(),
                 commit: bool = True):
    """Create an account (active by default) with optional school links ``[(ref, role, pupil_ref)]``."""
    email = email or f"user{next(_counter)}@example.org"
    account = services.create_account(email, password, status=status, given_name=given_name,
                                      family_name=family_name)
    for ref, role, pupil_ref in links:
        db.session.add(SchoolAccountLink(account_id=account.id, ref=ref, role=role,
                                         display_name=f"{role} {ref}", school="SP 5 Żory",
                                         pupil_ref=pupil_ref, pupil_display_name="Jan Nowak"))
    db.session.flush()
    if commit:
        db.session.commit()
    return account
