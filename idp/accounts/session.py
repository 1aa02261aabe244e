"""The browser session at the IdP: who is signed in, when, and how.

The sign-in views write it; the OIDC authorization view reads it and hands the
provider an explicit ``idp.oidc.authentication.Authentication`` (``auth_time`` for
``max_age``, ``amr``/``acr`` for the ID token). A session ends when the account's
``session_version`` changes (password change, recovery, disabling), and a signed
cookie opens a session only while its :class:`BrowserSession` record lives (sign-out
deletes it, so a copy of the cookie is dead too).
"""

from __future__ import annotations

import functools
import time

import sqlalchemy as sa
from flask import current_app, g, redirect, request, session, url_for

from idp.accounts.models import Account, BrowserSession
from idp.extensions import db
from shared.session_records import SID_KEY, close_record, live, open_record

_UID = "uid"
_VERSION = "uid_version"
_AUTH_TIME = "auth_time"
_AMR = "amr"
_PENDING = "pending_account"
#: How long after the right password a not-yet-active account may use the pending pages.
PENDING_SECONDS = 900


def current_user() -> Account | None:
    """Return the signed-in, active account or None (cached on ``g``)."""
    if "idp_user" not in g:
        user = None
        uid = session.get(_UID)
        if uid is not None:
            user = db.session.execute(sa.select(Account).join(BrowserSession, sa.and_(
                BrowserSession.account_id == Account.id, live(BrowserSession, session.get(SID_KEY))
            )).where(Account.id == uid)).scalar_one_or_none()
            if user is None or not user.is_active or user.session_version != session.get(_VERSION):
                session.clear()
                user = None
        g.idp_user = user
    return g.idp_user


def login_user(account: Account, amr: tuple[str, ...] = ("pwd",)) -> None:
    """Start a new session for ``account`` (fresh session contents, against fixation)."""
    keep = {k: session[k] for k in ("lang",) if k in session}
    close_record(db, BrowserSession, session.get(SID_KEY))
    session.clear()
    session.update(keep)
    session.permanent = True
    session[_UID] = account.id
    session[_VERSION] = account.session_version
    session[_AUTH_TIME] = int(time.time())
    session[_AMR] = list(amr)
    session[SID_KEY] = open_session(account)
    g.idp_user = account


def open_session(account: Account) -> str:
    """Record a new signed-in session of ``account``; return its id for the cookie."""
    return open_record(db, BrowserSession, current_app.permanent_session_lifetime,
                       account_id=account.id)


def logout_user() -> None:
    """End the session here and on the server: a copy of the cookie opens nothing afterwards."""
    close_record(db, BrowserSession, session.get(SID_KEY))
    session.clear()
    g.pop("idp_user", None)


def auth_time() -> int | None:
    """When the user last authenticated (seconds since the epoch), for ``max_age``/``auth_time``."""
    return session.get(_AUTH_TIME) if current_user() is not None else None


def auth_methods() -> list[str]:
    """The ``amr`` values of the current session (``pwd``, plus ``otp`` and ``mfa`` with TOTP)."""
    return list(session.get(_AMR, [])) if current_user() is not None else []


def login_url(next_url: str, *, force: bool = False, login_hint: str | None = None) -> str:
    """URL of the sign-in page that returns to ``next_url``; ``force`` asks even if signed in."""
    params = {"next": next_url}
    if force:
        params["force"] = "1"
    if login_hint:
        params["login_hint"] = login_hint
    return url_for("accounts.login", **params)


def remember_pending_account(account: Account) -> None:
    """Note that the right password was given for an account that cannot sign in yet.

    It lets that person use the pages meant for them (ask the parent again)
    without being signed in.
    """
    session[_PENDING] = {"uid": account.id, "v": account.session_version, "at": int(time.time())}


def pending_account() -> Account | None:
    """The not-yet-active account whose password was just given, if recent."""
    data = session.get(_PENDING)
    if not isinstance(data, dict) or time.time() - data.get("at", 0) > PENDING_SECONDS:
        return None
    account = db.session.get(Account, data.get("uid"))
    if account is None or account.session_version != data.get("v"):
        return None
    return account


def login_required(view):
    """Send visitors who are not signed in to the sign-in page (and back)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            return redirect(login_url(request.full_path if request.query_string else request.path))
        return view(*args, **kwargs)

    return wrapper
