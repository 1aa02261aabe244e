"""Account settings pages under ``/account`` (signed-in users only)."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from idp.accounts import mfa
from idp.accounts.services import EmailTaken, PasswordRejected
from idp.accounts.session import (
    auth_methods,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from idp.extensions import limiter
from idp.parental_consent import services as consents
from idp.school_link.backchannel import (
    GradebookUnavailable,
    SchoolCredentialsThrottled,
    WrongSchoolCredentials,
)
from idp.school_link.services import LastLink, SchoolAccountTaken, UnsupportedRole, unlink
from idp.settings import services
from idp.settings.forms import (
    ButtonForm,
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    LinkSchoolForm,
    PasswordConfirmForm,
    TotpEnableForm,
)
from shared import totp
from shared.credentials import InvalidCredentials, InvalidSecondFactor, TooManyAttempts

bp = Blueprint("settings", __name__, url_prefix="/account", template_folder="templates")

_TOTP_SETUP = "totp_setup"

#: How audit events are named on the activity page.
EVENT_LABELS = {
    "login.succeeded": _l("Signed in"),
    "login.failed": _l("Failed sign-in attempt"),
    "login.not_active": _l("Sign-in attempt before the account was active"),
    "login.otp_failed": _l("Wrong two-step code"),
    "logout": _l("Signed out"),
    "password.changed": _l("Password changed"),
    "password.reset_requested": _l("Password reset link requested"),
    "email.change_requested": _l("E-mail change requested"),
    "email.changed": _l("E-mail address changed"),
    "mfa.enabled": _l("Two-step sign-in turned on"),
    "mfa.disabled": _l("Two-step sign-in turned off"),
    "mfa.recovery_code_used": _l("Recovery code used"),
    "reauth.failed": _l("Wrong password when confirming a change"),
    "account.registered": _l("Account created"),
    "account.activated": _l("Account activated"),
    "account.registration_repeated": _l("Someone tried to register this address again"),
    "account.activation_resent": _l("New activation link sent"),
    "school_account.linked": _l("School login linked"),
    "school_account.unlinked": _l("School login removed"),
    "consent.requested": _l("Parent's consent requested"),
    "consent.granted": _l("Parent's consent given"),
    "consent.refused": _l("Parent's consent refused"),
    "consent.withdrawn": _l("Parent's consent withdrawn"),
    "oidc.consent_withdrawn": _l("App access withdrawn"),
}


@bp.context_processor
def labels():
    """``event_label(code)`` for the activity page."""
    return {"event_label": lambda code: str(EVENT_LABELS.get(code, code))}


def _rate() -> str:
    from flask import current_app

    return current_app.config["SETTINGS_RATE_LIMIT"]


def _wrong_password(form, exc) -> None:
    if isinstance(exc, TooManyAttempts):
        form.current_password.errors = [_("Too many wrong passwords. Wait a quarter of an hour.")]
    else:
        form.current_password.errors = [_("The password is not right.")]


def _keep_session(account) -> None:
    """After a password change the other sessions end; this one continues with the new version."""
    login_user(account, amr=tuple(auth_methods()) or ("pwd",))


@bp.get("")
@login_required
def overview():
    """The account page: who you are, your children, security and apps."""
    user = current_user()
    return render_template("settings/overview.html", user=user,
                           children=services.children(user),
                           two_factor=mfa.is_enabled(user),
                           codes_left=mfa.remaining_recovery_codes(user) if mfa.is_enabled(user)
                           else 0)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_rate, methods=["POST"])
def password():
    """Change the password (the current one first); other sessions and app tokens end."""
    user = current_user()
    form = ChangePasswordForm()
    form.password_context = (user.email, user.given_name or "", user.family_name or "")
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except (InvalidCredentials, TooManyAttempts) as exc:
            _wrong_password(form, exc)
        except PasswordRejected as exc:
            form.new_password.errors = [str(m) for m in exc.result.messages()]
        else:
            _keep_session(user)
            flash(_("Your password has been changed. You have been signed out on other devices "
                    "and apps."), "success")
            return redirect(url_for("settings.overview"))
    return render_template("settings/password.html", form=form), _status(form)


def _status(form) -> int:
    return 400 if "csrf_token" in form.errors else 200


@bp.route("/email", methods=["GET", "POST"])
@login_required
@limiter.limit(_rate, methods=["POST"])
def email():
    """Ask to change the e-mail address: confirmed from the new address, the old one is told."""
    user = current_user()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(user, form.new_email.data, form.current_password.data)
        except (InvalidCredentials, TooManyAttempts) as exc:
            _wrong_password(form, exc)
        except services.SameEmail:
            form.new_email.errors = [_("This is already your address.")]
        except services.EmailChangeThrottled:
            flash(_("Too many requests. Please wait an hour."), "error")
        else:
            flash(_("We have sent a confirmation link to %(email)s. Your address changes when "
                    "you open it.", email=form.new_email.data), "success")
            return redirect(url_for("settings.overview"))
    return render_template("settings/email.html", form=form, user=user), _status(form)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Confirm the new address from the mailed link (a button: scanners only GET)."""
    try:
        account, new_email = services.email_change_from_token(token)
    except services.EmailLinkExpired:
        return render_template("settings/link_invalid.html", expired=True), 410
    except services.EmailLinkInvalid:
        return render_template("settings/link_invalid.html", expired=False), 404
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.confirm_email_change(account, new_email)
        except EmailTaken:
            return render_template("settings/link_invalid.html", expired=False), 409
        return render_template("settings/email_changed.html", email=new_email)
    return render_template("settings/email_confirm.html", form=form, email=new_email)


@bp.route("/two-factor", methods=["GET", "POST"])
@login_required
@limiter.limit(_rate, methods=["POST"])
def two_factor():
    """Set up an authenticator app (QR code, then one code to prove it works)."""
    user = current_user()
    if mfa.is_enabled(user):
        return render_template("settings/two_factor_on.html", confirm=PasswordConfirmForm(),
                               codes_left=mfa.remaining_recovery_codes(user))
    secret = mfa.pending_setup_secret(session.get(_TOTP_SETUP))
    if secret is None or request.method == "GET":
        secret = mfa.new_secret()
        session[_TOTP_SETUP] = mfa.seal_setup_secret(secret)
    form = TotpEnableForm()
    if form.validate_on_submit():
        try:
            codes = mfa.enable(user, secret, form.code.data)
        except InvalidSecondFactor:
            form.code.errors = [_("That code is not right. Check the time on your phone and "
                                  "enter the current code.")]
        else:
            session.pop(_TOTP_SETUP, None)
            _keep_session(user)
            return render_template("settings/recovery_codes.html", codes=codes, new=True)
    uri = mfa.provisioning_uri(user, secret)
    return render_template("settings/two_factor_setup.html", form=form, qr=totp.qr_data_uri(uri),
                           secret=secret), _status(form)


@bp.post("/two-factor/disable")
@login_required
@limiter.limit(_rate)
def disable_two_factor():
    """Turn the second factor off (with the password)."""
    user = current_user()
    form = PasswordConfirmForm()
    if form.validate_on_submit():
        try:
            services.reauthenticate(user, form.current_password.data)
        except (InvalidCredentials, TooManyAttempts) as exc:
            _wrong_password(form, exc)
        else:
            mfa.disable(user)
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("settings.overview"))
    return render_template("settings/two_factor_on.html", confirm=form,
                           codes_left=mfa.remaining_recovery_codes(user)), 200


@bp.post("/two-factor/recovery-codes")
@login_required
@limiter.limit(_rate)
def new_recovery_codes():
    """Replace the recovery codes (with the password)."""
    user = current_user()
    form = PasswordConfirmForm()
    if not mfa.is_enabled(user):
        return redirect(url_for("settings.two_factor"))
    if form.validate_on_submit():
        try:
            services.reauthenticate(user, form.current_password.data)
        except (InvalidCredentials, TooManyAttempts) as exc:
            _wrong_password(form, exc)
        else:
            return render_template("settings/recovery_codes.html",
                                   codes=mfa.regenerate_recovery_codes(user), new=False)
    return render_template("settings/two_factor_on.html", confirm=form,
                           codes_left=mfa.remaining_recovery_codes(user)), 200


@bp.route("/school-accounts", methods=["GET", "POST"])
@login_required
@limiter.limit(_rate, methods=["POST"])
def school_accounts():
    """Linked school logins; link another child's parent login; consents for the children."""
    user = current_user()
    form = LinkSchoolForm()
    problem = None
    status = 200
    if form.validate_on_submit():
        try:
            link = services.link_school_account(user, form.school_login.data,
                                                form.school_password.data)
        except WrongSchoolCredentials:
            form.school_password.errors = [_("The school login or password is wrong.")]
        except SchoolCredentialsThrottled:
            form.school_password.errors = [_("Too many attempts for this school login. Wait a "
                                             "quarter of an hour.")]
        except (UnsupportedRole, services.WrongKindOfLogin):
            form.school_login.errors = [_("Only a parent's login (from a welcome letter for "
                                          "your child) can be added here.")]
        except SchoolAccountTaken:
            form.school_login.errors = [_("This school login is already connected to another "
                                          "account.")]
        except GradebookUnavailable:
            problem = _("The school register cannot be reached right now. Please try again in "
                        "a few minutes.")
            status = 503
        else:
            flash(_("Added: %(name)s.", name=link.pupil_display_name or link.display_name),
                  "success")
            return redirect(url_for("settings.school_accounts"))
    else:
        status = _status(form)
    form.school_password.data = ""
    return render_template("settings/school_accounts.html", form=form, user=user,
                           problem=problem, button=ButtonForm(),
                           consents=consents.consents_for_parent(user)), status


@bp.post("/school-accounts/<int:link_id>/unlink")
@login_required
def unlink_school_account(link_id: int):
    """Remove a linked school login from the account."""
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        link = unlink(current_user(), link_id)
    except LastLink:
        flash(_("A pupil's own login cannot be removed from their account."), "error")
        return redirect(url_for("settings.school_accounts"))
    if link is None:
        abort(404)
    flash(_("Removed: %(name)s.", name=link.pupil_display_name or link.display_name), "success")
    return redirect(url_for("settings.school_accounts"))


@bp.post("/consents/<int:consent_id>/withdraw")
@login_required
def withdraw_consent(consent_id: int):
    """Withdraw consent to a child's account: it is blocked and signed out everywhere."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    consent = consents.withdraw(current_user(), consent_id)
    if consent is None:
        abort(404)
    flash(_("Consent withdrawn: %(pupil)s's account is blocked.",
            pupil=consent.pupil_display_name), "success")
    return redirect(url_for("settings.school_accounts"))


@bp.post("/consents/<int:consent_id>/decide")
@login_required
def decide_consent(consent_id: int):
    """Agree to (or refuse) a child's account waiting for consent, from the settings."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    decision = request.form.get("decision")
    if decision not in ("accept", "refuse"):
        abort(400)
    consent = consents.decide_from_settings(current_user(), consent_id, decision == "accept")
    if consent is None:
        abort(404)
    if decision == "accept":
        flash(_("Consent given: %(pupil)s can sign in now.", pupil=consent.pupil_display_name),
              "success")
    else:
        flash(_("You did not agree: %(pupil)s's account stays blocked.",
                pupil=consent.pupil_display_name), "success")
    return redirect(url_for("settings.school_accounts"))


@bp.post("/consents/<int:consent_id>/grant")
@login_required
def grant_consent(consent_id: int):
    """Give consent again to a child's account after withdrawing it."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    consent = consents.grant_again(current_user(), consent_id)
    if consent is None:
        abort(404)
    flash(_("Consent given: %(pupil)s can sign in again.", pupil=consent.pupil_display_name),
          "success")
    return redirect(url_for("settings.school_accounts"))


@bp.route("/apps", methods=["GET"])
@login_required
def apps():
    """Apps that may use the account, with the access they were given."""
    from idp.oidc.services import list_app_consents

    return render_template("settings/apps.html", apps=list_app_consents(current_user()),
                           button=ButtonForm())


@bp.post("/apps/<client_id>/withdraw")
@login_required
def withdraw_app(client_id: str):
    """Withdraw an app's access: its tokens are revoked and it must ask again."""
    from idp.oidc.services import withdraw_app_consent

    if not ButtonForm().validate_on_submit():
        abort(400)
    if not withdraw_app_consent(current_user(), client_id):
        abort(404)
    flash(_("The app's access has been withdrawn."), "success")
    return redirect(url_for("settings.apps"))


@bp.get("/activity")
@login_required
def activity():
    """Recent security events of the account."""
    return render_template("settings/activity.html", events=services.recent_events(current_user()))


@bp.get("/data.json")
@login_required
def download_data():
    """Everything kept about the account, as a JSON file."""
    body = json.dumps(services.export_data(current_user()), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="e-dziennik-account.json"',
        "Cache-Control": "no-store"})


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(_rate, methods=["POST"])
def delete():
    """Delete the account for good (password and a tick box)."""
    user = current_user()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(user, form.current_password.data)
        except (InvalidCredentials, TooManyAttempts) as exc:
            _wrong_password(form, exc)
        else:
            logout_user()
            flash(_("Your account has been deleted."), "success")
            return redirect(url_for("core.home"))
    return render_template("settings/delete.html", form=form), _status(form)
