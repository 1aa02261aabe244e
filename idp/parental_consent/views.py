"""The parent's consent page (from the mailed link) and the pupil's "ask again" button."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from idp.accounts.session import current_user, login_url, pending_account
from idp.extensions import limiter
from idp.parental_consent import services
from idp.parental_consent.forms import ButtonForm, ConsentForm
from idp.school_link.backchannel import (
    GradebookUnavailable,
    SchoolCredentialsThrottled,
    WrongSchoolCredentials,
)
from idp.school_link.services import UnsupportedRole

bp = Blueprint("parental_consent", __name__, template_folder="templates")

def _post_rate() -> str:
    return current_app.config["CONSENT_RATE_LIMIT"]


@bp.route("/consent/<token>", methods=["GET", "POST"])
@limiter.limit(_post_rate, methods=["POST"])
def decide(token: str):
    """Let a parent agree to or refuse a pupil's account, after proving they are the parent."""
    try:
        consent = services.consent_from_token(token)
    except services.ConsentLinkInvalid:
        return render_template("parental_consent/link_invalid.html"), 404
    form = ConsentForm()
    user = current_user()
    as_account = services.can_decide_as(user, consent)
    problem = None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        decision = request.form.get("decision")
        if decision not in ("accept", "refuse"):
            problem = _("Choose whether you agree or not.")
            status = 400
        else:
            accept = decision == "accept"
            login = (form.school_login.data or "").strip()
            try:
                if login or not as_account:
                    if not login or not form.school_password.data:
                        raise _MissingProof
                    services.decide_with_school_login(consent, accept, login,
                                                      form.school_password.data)
                else:
                    services.decide_as_account(consent, accept, user)
            except _MissingProof:
                form.school_login.errors = [_("Enter your parent login and its password.")]
            except (WrongSchoolCredentials, UnsupportedRole):
                form.school_password.errors = [_("The login or password is wrong.")]
            except SchoolCredentialsThrottled:
                form.school_password.errors = [_("Too many attempts for this login. Wait a "
                                                 "quarter of an hour.")]
            except services.NotTheParent:
                form.school_login.errors = [_(
                    "This is not a parent login of %(pupil)s. Use the parent login from the "
                    "school's welcome letter for this child.", pupil=consent.pupil_display_name)]
            except GradebookUnavailable:
                problem = _("The school register cannot be reached right now. Please try again "
                            "in a few minutes.")
                status = 503
            else:
                return render_template("parental_consent/done.html", accepted=accept,
                                       consent=consent)
    elif request.method == "POST":
        status = 400
    form.school_password.data = ""
    return render_template("parental_consent/decide.html", form=form, consent=consent,
                           as_account=as_account, user=user, problem=problem,
                           sign_in_url=login_url(request.path, force=user is not None),
                           consent_age=services.consent_age(),
                           notice_version=services.NOTICE_VERSION), status


class _MissingProof(Exception):
    pass


@bp.route("/consent/ask-again", methods=["GET", "POST"])
@limiter.limit(_post_rate, methods=["POST"])
def resend_request():
    """Send the consent request to the parent again (for a pupil who just gave their password)."""
    account = pending_account()
    if account is None:
        flash(_("Sign in with your e-mail address and password first."), "warning")
        return redirect(url_for("accounts.login", next=request.path))
    form = ButtonForm()
    status = 200
    problem = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            consent = services.resend_request(account)
        except services.ConsentThrottled:
            problem = _("The request was sent several times already today. Please wait until "
                        "tomorrow, and ask your parent to check their spam folder.")
            status = 429
        except services.ConsentLinkInvalid:
            problem = _("Your account does not wait for a parent's consent.")
            status = 409
        else:
            flash(_("We sent the request again to %(email)s.",
                    email=services.mask_email(consent.parent_email)), "success")
            return redirect(url_for("accounts.login"))
    return render_template("parental_consent/ask_again.html", form=form, problem=problem,
                           info=services.consent_status(account)), status
