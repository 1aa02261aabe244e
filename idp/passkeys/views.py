"""Passkey pages of the unified account: the list (enrol, revoke) and the passwordless sign-in.

The browser side is ``shared/static/passkeys.js`` (the register's staff use it too);
each ceremony is two JSON POSTs (options, then the authenticator's answer) carrying
the CSRF token in ``X-CSRFToken``, the challenge's id waiting in the session between
them. The ``email``/``password`` form of ``/login`` is unchanged: the passkey button is
a form of its own beside it.
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

from idp.accounts.forms import ConfirmForm
from idp.accounts.services import record_login
from idp.accounts.session import auth_methods, current_user, login_required, login_user
from idp.extensions import limiter
from idp.passkeys import services
from shared.credentials import TooManyAttempts
from shared.passkeys import Ceremony, PasskeyError
from shared.security import safe_next

bp = Blueprint("passkeys", __name__, template_folder="templates")

CEREMONY_KEY = "passkey_ceremony"
#: Each anonymous ceremony stores a challenge row: a cap per address keeps a flood from filling
#: the table (a school's families behind one address sign in far fewer a minute).
OPTIONS_RATE = "60 per minute"


def _json_options(ceremony: Ceremony, challenge_id: int):
    """Hand the options (JSON already) to the page; the session remembers the challenge."""
    session[CEREMONY_KEY] = challenge_id
    response = current_app.response_class(ceremony.options_json, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(message: str, status: int = 400):
    return jsonify(error=message), status


def _answer() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _name(body: dict) -> str:
    name = body.get("name")
    return " ".join(name.split()) if isinstance(name, str) else ""


@bp.app_context_processor
def passkey_context():
    """Lets the sign-in page offer the passkey button (only where browsers accept passkeys)."""
    return {"idp_passkeys_usable": services.relying_party().usable}


@bp.get("/account/passkeys", endpoint="manage")
@login_required
def manage():
    """The account's passkeys: add one (named), see when each was used, remove."""
    account = current_user()
    return render_template("passkeys/manage.html", user=account,
                           passkeys=services.account_passkeys(account), confirm=ConfirmForm())


@bp.post("/account/passkeys/options", endpoint="register_options")
@login_required
def register_options():
    """Options for ``navigator.credentials.create`` (the challenge kept for this session)."""
    if not _name(_answer()):
        return _refused(_("Give the passkey a name, e.g. the device it is on."))
    return _json_options(*services.start_registration(current_user()))


@bp.post("/account/passkeys", endpoint="register")
@login_required
def register():
    """Store the passkey the browser created under the name the person gave."""
    account = current_user()
    body = _answer()
    name = _name(body)
    if not name:
        return _refused(_("Give the passkey a name, e.g. the device it is on."))
    try:
        key = services.finish_registration(account, session.pop(CEREMONY_KEY, None), name,
                                           body.get("credential"))
    except PasskeyError:
        return _refused(_("The passkey could not be added. Try again."))
    flash(_("Passkey “%(name)s” added. You can use it to sign in.", name=key.name), "success")
    return jsonify(redirect=url_for("passkeys.manage"))


@bp.post("/account/passkeys/<int:passkey_id>/revoke", endpoint="revoke")
@login_required
@limiter.limit(lambda: current_app.config["SETTINGS_RATE_LIMIT"])
def revoke(passkey_id: int):
    """Remove a passkey: it stops working at once, and every other session and app ends."""
    account = current_user()
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("passkeys.manage"))
    methods = tuple(auth_methods()) or services.PASSKEY_AMR
    if not services.revoke(account, passkey_id):
        abort(404)
    login_user(account, amr=methods)  # this session goes on with the new session version
    flash(_("The passkey was removed. You are signed out everywhere else."), "info")
    return redirect(url_for("passkeys.manage"))


@bp.post("/login/passkey/options", endpoint="passwordless_options")
@limiter.limit(OPTIONS_RATE)
def passwordless_options():
    """Options for a sign-in with any passkey of this account service (nothing typed)."""
    return _json_options(*services.start_passwordless())


@bp.post("/login/passkey", endpoint="passwordless")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def passwordless():
    """Sign in with a passkey alone: it proves possession and, verified, the person."""
    try:
        account = services.finish_passwordless(session.pop(CEREMONY_KEY, None), _answer())
    except TooManyAttempts:
        return _refused(_("Too many failed attempts. Wait a few minutes and try again."), 429)
    except PasskeyError:
        return _refused(_("The passkey was not accepted. Try again, or sign in with your "
                          "e-mail address and password."))
    login_user(account, amr=services.PASSKEY_AMR)
    record_login(account, services.PASSKEY_AMR)
    return jsonify(redirect=safe_next(request.args.get("next"), url_for("settings.overview")))
