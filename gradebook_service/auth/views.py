"""Sign-in through the IdP (SSO): the redirect, the callback, switching between linked children."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import (
    SESSION_KEY,
    current_account,
    has_office,
    login_required,
)
from gradebook_service.accounts.forms import ConfirmForm
from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.accounts.session import (
    ID_TOKEN_KEY,
    LINKED_KEY,
    NEXT_KEY,
    finish_sign_in,
    pending_step,
    renew_session,
)
from gradebook_service.auth.oidc import SsoError, check_issuer, idp_client, linked_accounts
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from shared.security import safe_next

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)


@bp.get("/auth/sso")
def sso_start():
    """Send the browser to the IdP (code flow with PKCE, state and nonce)."""
    client = idp_client()
    if client is None:
        abort(404)
    next_url = safe_next(request.args.get("next"), "")
    if next_url:
        session[NEXT_KEY] = next_url
    redirect_uri = current_app.config["GRADEBOOK_URL"] + url_for("auth.sso_callback")
    try:
        return client.authorize_redirect(redirect_uri)  # reads the IdP's discovery document
    except Exception as exc:  # noqa: BLE001 - IdP unreachable or answering garbage: same advice
        log.warning("SSO start failed, IdP unavailable: %s", type(exc).__name__)
        flash(_("Signing in with your account is not available right now. "
                "Use the school login and password, or try again later."), "error")
        return redirect(url_for("accounts.login"))


@bp.get("/auth/callback")
def sso_callback():
    """Finish the IdP sign-in: validate the ID token and map ``school_accounts``."""
    client = idp_client()
    if client is None:
        abort(404)
    try:
        check_issuer(client, request.args)
        if request.args.get("error"):
            raise SsoError(request.args["error"])
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if "school_accounts" not in claims:
            claims.update(client.userinfo(token=token))
        accounts = linked_accounts(claims)
    except Exception as exc:  # noqa: BLE001 - any protocol failure ends in the same message
        log.warning("SSO sign-in failed: %s", type(exc).__name__)
        flash(_("Signing in with your account did not work. Try again or use the school login."),
              "error")
        return redirect(url_for("accounts.login"))
    if not accounts:
        flash(_("Your account is not linked to any school login of this e-register yet."),
              "error")
        return redirect(url_for("accounts.login"))
    next_url = session.pop(NEXT_KEY, None)
    response = finish_sign_in(accounts[0], "sso", next_url)
    session[LINKED_KEY] = [a.id for a in accounts]
    session[ID_TOKEN_KEY] = token.get("id_token")
    return response


@bp.post("/account/switch")
@login_required
def switch():
    """Switch to another child's account linked to the same unified account."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    linked = session.get(LINKED_KEY) or []
    ref = request.form.get("account", "")
    target = db.session.execute(
        db.select(SchoolAccount).where(SchoolAccount.ref == ref)).scalar_one_or_none()
    if target is None or target.id not in linked or not target.is_active:
        abort(404)
    renew_session(target)
    audit("account.switched", actor=target.login)
    step = pending_step(target)
    return redirect(url_for(step) if step else safe_next(request.form.get("next"),
                                                         url_for("home.index")))


def header_context():
    """What base.html's header shows: the signed-in person and the child switcher."""
    account = current_account() if SESSION_KEY in session else None
    switchable = []
    if account is not None and session.get(LINKED_KEY):
        ids = session.get(LINKED_KEY)
        others = db.session.execute(db.select(SchoolAccount).where(
            SchoolAccount.id.in_(ids))).scalars().all()
        order = {i: n for n, i in enumerate(ids)}
        switchable = sorted(others, key=lambda a: order.get(a.id, 0))
    return {"header_account": account, "switchable_accounts": switchable,
            "header_office": account is not None and has_office(account),
            "switch_form": ConfirmForm() if switchable else None}
