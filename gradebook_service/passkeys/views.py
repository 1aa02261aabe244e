"""Passkey pages: the staff member's list (enrol, revoke) and the sign-in ceremonies (JSON).

The browser side is ``shared/static/passkeys.js``; each ceremony is two POSTs (options,
then the authenticator's answer), the challenge's id waiting in the session between
them.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from gradebook_service.accounts.access import current_account, login_required
from gradebook_service.accounts.forms import ConfirmForm
from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.accounts.session import (
    NEXT_KEY,
    finish_sign_in,
    pending_second_factor_account,
    pending_step,
    renew_session,
)
from gradebook_service.extensions import limiter
from gradebook_service.passkeys import services
from shared.credentials import TooManyAttempts
from shared.passkeys import Ceremony, PasskeyError

bp = Blueprint("passkeys", __name__, template_folder="templates")

CEREMONY_KEY = "passkey_ceremony"
#: Each anonymous ceremony stores a challenge row: a cap per address keeps a flood from filling
#: the table (a school behind one address signs in far fewer people a minute).
OPTIONS_RATE = "60 per minute"


def _json_options(ceremony: Ceremony, challenge_id: int):
    """Hand the options (JSON already) to the page; the session remembers the challenge."""
    session[CEREMONY_KEY] = challenge_id
    response = current_app.response_class(ceremony.options_json, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(message: str, status: int = 400):
    return jsonify(error=message), status


def _not_accepted():
    return _refused(_("The passkey was not accepted. Try again, or use another way to sign "
                      "in."))


def _too_many():
    return _refused(_("Too many failed attempts. Wait a few minutes and try again."), 429)


def _answer() -> object:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _name(body: dict) -> str:
    name = body.get("name")
    return " ".join(name.split()) if isinstance(name, str) else ""


def _signed_in(account: SchoolAccount, method: str, next_url: str | None):
    """Finish the sign-in and tell the page where to go."""
    session.pop(CEREMONY_KEY, None)
    return jsonify(redirect=finish_sign_in(account, method, next_url).location)


@bp.app_context_processor
def passkey_context():
    """Lets the sign-in pages offer passkeys (they include this package's buttons)."""

    def pending_has_passkeys() -> bool:
        account = pending_second_factor_account()
        return account is not None and bool(account.passkey_count)

    return {"pending_has_passkeys": pending_has_passkeys,
            "passkeys_usable": services.relying_party().usable}


# --- the staff member's passkeys ----------------------------------------------------------


def _own_account_or_404() -> SchoolAccount:
    account = current_account()
    if not services.may_enrol(account):
        abort(404)
    return account


@bp.get("/account/passkeys", endpoint="manage")
@login_required
def manage():
    """The account's passkeys: add one (named), see when each was used, revoke."""
    account = _own_account_or_404()
    return render_template("passkeys/manage.html", account=account,
                           passkeys=services.account_passkeys(account), confirm=ConfirmForm(),
                           enrolling=pending_step(account) is not None)


@bp.post("/account/passkeys/options", endpoint="register_options")
@login_required
def register_options():
    """Options for ``navigator.credentials.create`` (the challenge kept for this session)."""
    account = _own_account_or_404()
    if not _name(_answer()):
        return _refused(_("Give the passkey a name, e.g. the device it is on."))
    return _json_options(*services.start_registration(account))


@bp.post("/account/passkeys", endpoint="register")
@login_required
def register():
    """Store the passkey the browser created under the name the person gave."""
    account = _own_account_or_404()
    body = _answer()
    name = _name(body)
    if not name:
        return _refused(_("Give the passkey a name, e.g. the device it is on."))
    enrolling = pending_step(account) is not None
    try:
        key = services.finish_registration(account, session.pop(CEREMONY_KEY, None), name,
                                           body.get("credential"))
    except PasskeyError:
        return _refused(_("The passkey could not be added. Try again."))
    flash(_("Passkey “%(name)s” added. You can use it to sign in.", name=key.name), "success")
    after = pending_step(account) or ("home.index" if enrolling else "passkeys.manage")
    return jsonify(redirect=url_for(after))


@bp.post("/account/passkeys/<int:passkey_id>/revoke", endpoint="revoke")
@login_required
def revoke(passkey_id: int):
    """Remove a passkey; it stops working at once and other sessions end."""
    account = _own_account_or_404()
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("passkeys.manage"))
    if not services.revoke(account, passkey_id):
        abort(404)
    renew_session(account)
    flash(_("The passkey was removed. Other sessions have ended."), "info")
    return redirect(url_for(pending_step(account) or "passkeys.manage"))


# --- signing in ---------------------------------------------------------------------------


@bp.post("/login/passkey/options", endpoint="passwordless_options")
@limiter.limit(OPTIONS_RATE)
def passwordless_options():
    """Options for a sign-in with any passkey of the register (no login typed)."""
    return _json_options(*services.start_passwordless())


@bp.post("/login/passkey", endpoint="passwordless")
def passwordless():
    """Sign in with a passkey alone: it proves possession and, verified, the person."""
    try:
        account = services.finish_passwordless(session.pop(CEREMONY_KEY, None), _answer())
    except TooManyAttempts:
        return _too_many()
    except PasskeyError:
        return _not_accepted()
    return _signed_in(account, "passkey", request.args.get("next"))


@bp.post("/login/second-factor/passkey/options", endpoint="second_factor_options")
@limiter.limit(OPTIONS_RATE)
def second_factor_options():
    """Options to prove a passkey of the account whose password was just accepted."""
    account = pending_second_factor_account()
    if account is None or not account.passkey_count:
        return _refused(_("Sign in with your login and password first."), 409)
    return _json_options(*services.start_second_factor(account))


@bp.post("/login/second-factor/passkey", endpoint="second_factor")
def second_factor():
    """The second step of a sign-in, done with a passkey."""
    account = pending_second_factor_account()
    if account is None:
        return _refused(_("Sign in with your login and password first."), 409)
    try:
        services.finish_second_factor(account, session.pop(CEREMONY_KEY, None), _answer())
    except TooManyAttempts:
        return _too_many()
    except PasskeyError:
        return _not_accepted()
    return _signed_in(account, "password+passkey", session.get(NEXT_KEY))

