"""Forgotten password: ask for a link, then set a new password from it."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from idp.accounts.services import PasswordRejected
from idp.extensions import limiter
from idp.recovery import services
from idp.recovery.forms import RequestResetForm, ResetForm

bp = Blueprint("recovery", __name__, template_folder="templates")


def _post_rate() -> str:
    return current_app.config["RECOVERY_RATE_LIMIT"]


@bp.route("/recovery", methods=["GET", "POST"])
@limiter.limit(_post_rate, methods=["POST"])
def request_reset():
    """Ask for a reset link (the answer never says whether the address has an account)."""
    form = RequestResetForm()
    if request.method == "GET":
        form.email.data = (request.args.get("email") or "")[:320]
    problem = None
    status = 200
    if form.validate_on_submit():
        try:
            services.request_reset(form.email.data)
        except services.RecoveryThrottled:
            problem = _("Too many requests. Please wait an hour before asking again.")
            status = 429
        else:
            return render_template("recovery/sent.html", email=form.email.data)
    return render_template("recovery/request.html", form=form, problem=problem), status


@bp.route("/recovery/<token>", methods=["GET", "POST"])
@limiter.limit(_post_rate, methods=["POST"])
def reset(token: str):
    """Set a new password from the mailed link."""
    try:
        account = services.account_for_reset(token)
    except services.ResetLinkExpired:
        return render_template("recovery/link_invalid.html", expired=True), 410
    except services.ResetLinkInvalid:
        return render_template("recovery/link_invalid.html", expired=False), 404
    form = ResetForm()
    form.password_context = (account.email, account.given_name or "", account.family_name or "")
    if form.validate_on_submit():
        try:
            services.reset_password(account, form.new_password.data)
        except PasswordRejected as exc:
            form.new_password.errors = [str(m) for m in exc.result.messages()]
        else:
            return render_template("recovery/done.html", email=account.email)
    status = 400 if "csrf_token" in form.errors else 200
    return render_template("recovery/reset.html", form=form, email=account.email), status
