"""Registration, activation and "send the link again" pages."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from idp.accounts.services import PasswordRejected
from idp.extensions import limiter
from idp.parental_consent.services import consent_age
from idp.registration import services
from idp.registration.forms import ActivateForm, RegistrationForm, ResendForm
from idp.school_link.backchannel import (
    GradebookUnavailable,
    SchoolCredentialsThrottled,
    WrongSchoolCredentials,
)
from idp.school_link.services import SchoolAccountTaken, UnsupportedRole

bp = Blueprint("registration", __name__, template_folder="templates")


def _post_rate() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_post_rate, methods=["POST"])
def register():
    """Create a unified account with the school login; an activation link is mailed."""
    form = RegistrationForm()
    problem = None
    status = 200
    if form.validate_on_submit():
        try:
            services.register(email=form.email.data, password=form.password.data,
                              school_login=form.school_login.data,
                              school_password=form.school_password.data,
                              parent_email=form.parent_email.data,
                              locale=str(get_locale() or "pl"))
        except PasswordRejected as exc:
            form.password.errors = [str(m) for m in exc.result.messages()]
        except (WrongSchoolCredentials, SchoolCredentialsThrottled) as exc:
            form.school_password.errors = [
                _("The school login or password is wrong. Use the login and the password you "
                  "sign in to the e-register with (after the first login it is the password "
                  "you chose then).") if isinstance(exc, WrongSchoolCredentials) else
                _("Too many attempts for this school login. Wait a quarter of an hour.")]
        except GradebookUnavailable:
            problem = _("The school register cannot be reached right now, so we cannot check "
                        "your school login. Please try again in a few minutes.")
            status = 503
        except UnsupportedRole:
            form.school_login.errors = [_("Staff logins cannot be used here: sign in to the "
                                          "e-register with your school login.")]
        except SchoolAccountTaken:
            form.school_login.errors = [_(
                "This school login is already connected to an account. Sign in with that "
                "account, or set a new password for it with “Forgot your password?”.")]
        except services.ParentEmailRequired:
            form.parent_email.errors = [_(
                "This is a pupil's login: give the e-mail address of a parent or guardian, who "
                "will be asked to agree.")]
        except services.ParentEmailIsOwn:
            form.parent_email.errors = [_("Give your parent's address, not your own.")]
        except services.RegistrationThrottled:
            problem = _("Too many registrations were started from here. Please wait an hour.")
            status = 429
        else:
            return render_template("registration/check_mail.html", email=form.email.data)
    elif request.method == "POST":
        status = 400 if "csrf_token" in form.errors else 200
    _clear_passwords(form)
    return render_template("registration/register.html", form=form, problem=problem,
                           consent_age=consent_age()), status


def _clear_passwords(form) -> None:
    """Never send a typed password back to the browser."""
    for name in ("password", "password_confirm", "school_password"):
        getattr(form, name).data = ""


@bp.route("/register/resend", methods=["GET", "POST"])
@limiter.limit(_post_rate, methods=["POST"])
def resend():
    """Send a new activation link (same answer whether or not the address has an account)."""
    form = ResendForm()
    if request.method == "GET":
        form.email.data = (request.args.get("email") or "")[:320]
    status = 200
    problem = None
    if form.validate_on_submit():
        try:
            services.resend_activation(form.email.data)
        except services.RegistrationThrottled:
            problem = _("Too many requests. Please wait an hour before asking again.")
            status = 429
        else:
            return render_template("registration/check_mail.html", email=form.email.data,
                                   resent=True)
    return render_template("registration/resend.html", form=form, problem=problem), status


@bp.route("/activate/<token>", methods=["GET", "POST"])
def activate(token: str):
    """Show the activation button (GET) and activate (POST): mail scanners only GET links."""
    form = ActivateForm()
    try:
        account = services.account_for_activation(token)
    except services.ActivationLinkExpired:
        return render_template("registration/link_invalid.html", expired=True), 410
    except services.ActivationLinkInvalid:
        return render_template("registration/link_invalid.html", expired=False), 404
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("registration/activate.html", form=form,
                                   email=account.email), 400
        services.activate(account)
        return render_template("registration/activated.html", account=account)
    return render_template("registration/activate.html", form=form, email=account.email)


@bp.get("/terms")
def terms():
    """The terms of use and privacy notice a new account accepts."""
    return render_template("registration/terms.html", version=services.TERMS_VERSION)
