"""The one-click "stop these" link of every mail and push (a purpose-salted token)."""

from __future__ import annotations

from flask import current_app

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from shared.tokens import TokenPurpose, load_link, state_fingerprint, token_service

#: A mail may be read weeks later; the link only turns news off, so it may live long.
STOP = TokenPurpose("gradebook-notifications-stop", 90 * 24 * 3600)
#: What a link for the daily digest stops: every kind the account gets in its digest.
DIGEST_KINDS = "digest"


def _state(account: SchoolAccount) -> str | None:
    return state_fingerprint(account.id, account.school_id) if account.is_active else None


def stop_url(account: SchoolAccount, kind: str) -> str:
    """An absolute link that turns ``kind`` (or the whole digest) off for ``account``."""
    # The account's key (school, id): load_link reads the row by its primary key.
    token = token_service(STOP).dumps({"a": [account.school_id, account.id], "k": kind},
                                      state=_state(account))
    return f"{current_app.config['GRADEBOOK_URL'].rstrip('/')}/notifications/stop/{token}"


def account_from_stop_token(token: str) -> tuple[SchoolAccount, str]:
    """The account and kind a stop link is for; raises shared.tokens.TokenError otherwise."""
    account, data = load_link(STOP, token, session=db.session, model=SchoolAccount, state=_state)
    return account, str(data.get("k", ""))
