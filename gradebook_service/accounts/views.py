"""School-login pages: sign-in, second factor, logout, first login, account settings, recovery."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from gradebook_service.accounts import forms, recovery, second_factor, signin, terms
from gradebook_service.accounts.access import current_account, login_required, sign_in, sign_out
from gradebook_service.accounts.login_page import anonymous_page
from gradebook_service.accounts.models import STAFF, SchoolAccount
from gradebook_service.accounts.session import (
    AUTH_METHOD_KEY,
    ID_TOKEN_KEY,
    NEXT_KEY,
    PENDING_2FA_KEY,
    finish_sign_in,
    pending_second_factor_account,
    pending_step,
    renew_session,
)
from gradebook_service.core.models import audit
from shared import totp
from shared.credentials import (
    CredentialError,
    InvalidCredentials,
    InvalidSecondFactor,
    PasswordRejected,
    TooManyAttempts,
)
from shared.crypto import sealer
from shared.security import safe_next
from shared.tokens import TokenError

bp = Blueprint("accounts", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/accounts")

TOTP_SETUP_KEY = "totp_setup"


def _credential_message(error: CredentialError) -> str:
    """The one message each kind of failed credential check shows."""
    if isinstance(error, TooManyAttempts):
        return _("Too many failed attempts. Wait a few minutes and try again.")
    if isinstance(error, InvalidSecondFactor):
        return _("The code is wrong or has already been used.")
    return _("Wrong login or password.")


def _link_not_valid(message: str):
    return render_template("accounts/message.html", title=_("Link not valid"),
                           message=message), 400


# --- school login -------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with the school-issued login and password."""
    form = forms.LoginForm()
    error = None
    next_url = safe_next(request.args.get("next"), "") or None
    if form.validate_on_submit():
        try:
            account = signin.authenticate(form.login.data, form.password.data)
        except (TooManyAttempts, InvalidCredentials) as exc:
            error = _credential_message(exc)
        else:
            if signin.needs_second_factor(account):
                sign_out()  # an earlier session of this browser ends here
                session[PENDING_2FA_KEY] = {"school": account.school_id, "id": account.id,
                                            "v": account.session_version}
                if next_url:
                    session[NEXT_KEY] = next_url
                return redirect(url_for("accounts.second_factor"))
            return finish_sign_in(account, "password", next_url)
        form.password.data = ""
    if request.method == "GET":
        # The same page for every visitor but the CSRF token: rendered once (login_page.py).
        return anonymous_page(lambda: render_template("accounts/login.html", form=form,
                                                      error=None))
    return render_template("accounts/login.html", form=form, error=error), (
        200 if error is None else 401)


@bp.route("/login/second-factor", methods=["GET", "POST"], endpoint="second_factor")
def second_factor_step():
    """Second step of a sign-in: a TOTP code or a recovery code."""
    account = pending_second_factor_account()
    if account is None:
        session.pop(PENDING_2FA_KEY, None)
        return redirect(url_for("accounts.login"))
    form = forms.SecondFactorForm()
    error = None
    if form.validate_on_submit():
        try:
            used = second_factor.verify_second_factor(account, form.code.data)
        except (TooManyAttempts, InvalidSecondFactor) as exc:
            error = _credential_message(exc)
        else:
            response = finish_sign_in(account, "password", session.get(NEXT_KEY))
            if used == "recovery_code":
                flash(_("You used a recovery code. %(count)d left.",
                        count=second_factor.unused_recovery_codes(account)), "warning")
            return response
    # Staff who chose a passkey instead of an authenticator app have no code to type (unless
    # recovery codes are left): the page offers them only the passkey.
    show_code = (account.totp_enabled or not account.passkey_count
                 or second_factor.unused_recovery_codes(account) > 0)
    return render_template("accounts/second_factor.html", form=form, error=error,
                           show_code=show_code), (200 if error is None else 401)


@bp.post("/logout")
def logout():
    """End the session here and, for SSO sign-ins, at the IdP too (RP-initiated logout)."""
    id_token = session.get(ID_TOKEN_KEY)
    account = current_account()
    if account is not None:
        audit("logout", actor=account.login)
    sign_out()
    # The SSO client (gradebook_service.auth) registers how to end the IdP session.
    end_session = current_app.extensions.get("sso_end_session_url")
    idp_logout = end_session(id_token, url_for("home.index")) if id_token and end_session \
        else None
    if idp_logout:
        # Not a redirect: the CSP's form-action 'self' would stop this POST's answer from
        # leading to the IdP. A page that navigates there (meta refresh, and a link) works;
        # the message waits for the login page the IdP sends the browser back to.
        page = render_template("accounts/signing_out.html", idp_logout=idp_logout)
        flash(_("You have signed out."), "info")
        return page
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


# --- first login --------------------------------------------------------------------------


@bp.route("/first-login", methods=["GET", "POST"])
@login_required
def first_login():
    """Set an own password, accept the terms and give a recovery e-mail (the gate leads here)."""
    account = current_account()
    needs_password = session.get(AUTH_METHOD_KEY) != "sso" and account.must_change_password
    current = terms.current_terms(account.school_id)
    needs_terms = (account.terms_version_accepted or 0) < current.version
    if not needs_password and not needs_terms:
        return redirect(url_for(pending_step(account) or "home.index"))
    form = forms.FirstLoginForm()
    warnings = []
    if form.validate_on_submit():
        ok = True
        if needs_password:
            if not form.new_password.data:
                form.new_password.errors.append(_("Enter a new password."))
                ok = False
            else:
                result = signin.check_new_password(account, form.new_password.data)
                warnings = [str(w.message) for w in result.warnings]
                if not result.ok:
                    form.new_password.errors.extend(result.messages())
                    ok = False
                if form.new_password.data != form.new_password_confirm.data:
                    form.new_password_confirm.errors.append(_("The two passwords differ."))
                    ok = False
        if needs_terms and not form.accept_terms.data:
            form.accept_terms.errors.append(_("You must accept the terms to use the e-register."))
            ok = False
        if ok and needs_password:
            try:
                signin.set_own_password(account, form.new_password.data)
            except PasswordRejected as exc:
                form.new_password.errors.extend(exc.result.messages())
                ok = False
        if ok:
            if needs_terms:
                terms.accept_terms(account, current.version)
            if needs_password:
                sign_in(account)  # the session version changed with the password
                session[AUTH_METHOD_KEY] = "password"
            if form.email.data:
                recovery.request_recovery_email(account, form.email.data)
                flash(_("We sent a confirmation link to %(email)s.", email=form.email.data),
                      "info")
            flash(_("Thank you. Your account is ready."), "success")
            return redirect(url_for(pending_step(account) or "home.index"))
    form.new_password.data = form.new_password_confirm.data = ""
    return render_template("accounts/first_login.html", form=form, terms=current,
                           needs_password=needs_password, needs_terms=needs_terms,
                           warnings=warnings, account=account,
                           show_email=not account.recovery_email_verified_at)


@bp.get("/terms", endpoint="terms")
def show_terms():
    """Show the current terms of the signed-in user's school."""
    account = current_account()
    if account is None:
        return redirect(url_for("accounts.login"))
    return render_template("accounts/terms.html", terms=terms.current_terms(account.school_id))


# --- second factor enrolment and account settings -----------------------------------------


@bp.route("/account/second-factor/setup", methods=["GET", "POST"])
@login_required
def totp_setup():
    """Enrol an authenticator app: scan the QR code, confirm one code, keep the recovery codes."""
    account = current_account()
    if account.totp_enabled:
        return redirect(url_for("accounts.settings"))
    setup = sealer(second_factor.TOTP_SETUP_PURPOSE)
    secret = setup.open_text(session.get(TOTP_SETUP_KEY))
    if secret is None:  # nothing yet, or a stale or foreign value: start again
        secret = totp.new_secret()
        session[TOTP_SETUP_KEY] = setup.seal(secret)
    form = forms.TotpEnableForm()
    error = None
    if form.validate_on_submit():
        try:
            codes = second_factor.enable_totp(account, secret, form.code.data)
        except InvalidSecondFactor:
            error = _("The code does not match. Check the time on your phone and try again.")
        else:
            session.pop(TOTP_SETUP_KEY, None)
            return render_template("accounts/recovery_codes.html", codes=codes,
                                   next_url=url_for(pending_step(account) or "home.index"))
    uri = second_factor.totp_uri(account, secret)
    return render_template("accounts/totp_setup.html", form=form, error=error, secret=secret,
                           qr=totp.qr_data_uri(uri), required=account.role == STAFF)


def _settings_page(account: SchoolAccount, *, password_form=None, email_form=None):
    return render_template(
        "accounts/settings.html", account=account,
        password_form=password_form or forms.ChangePasswordForm(),
        email_form=email_form or forms.RecoveryEmailForm(email=account.recovery_email),
        confirm_form=forms.ConfirmForm(),
        recovery_left=(second_factor.unused_recovery_codes(account) if account.totp_enabled
                       else 0))


@bp.get("/account")
@login_required
def settings():
    """Account settings: password, recovery e-mail, second factor."""
    return _settings_page(current_account())


@bp.post("/account/password")
@login_required
def change_password():
    """Change the password (the current one is asked again)."""
    account = current_account()
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            verified = signin.authenticate(account.login, form.current_password.data)
            if verified.id != account.id:
                raise InvalidCredentials()
        except TooManyAttempts as exc:
            form.current_password.errors.append(_credential_message(exc))
        except InvalidCredentials:
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            try:
                signin.set_own_password(account, form.new_password.data)
            except PasswordRejected as exc:
                form.new_password.errors.extend(exc.result.messages())
            else:
                renew_session(account)
                flash(_("Your password has been changed. Other sessions have ended."), "success")
                return redirect(url_for("accounts.settings"))
    return _settings_page(account, password_form=form), 400


@bp.post("/account/email")
@login_required
def change_email():
    """Set the recovery e-mail (a confirmation link is mailed)."""
    account = current_account()
    form = forms.RecoveryEmailForm()
    if form.validate_on_submit():
        recovery.request_recovery_email(account, form.email.data)
        flash(_("We sent a confirmation link to %(email)s.", email=form.email.data), "info")
        return redirect(url_for("accounts.settings"))
    return _settings_page(account, email_form=form), 400


@bp.route("/account/email/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """Confirm a recovery e-mail; the GET shows a button so mail scanners cannot confirm."""
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            recovery.verify_recovery_email(token)
        except TokenError:
            return _link_not_valid(_("This link has expired or was already used. Give the "
                                     "address again in the account settings."))
        flash(_("Your e-mail address is confirmed."), "success")
        return redirect(url_for("home.index"))
    return render_template("accounts/verify_email.html", form=form)


@bp.post("/account/second-factor/disable")
@login_required
def totp_disable():
    """Turn the second factor off (families only: staff must keep it)."""
    account = current_account()
    if account.role == STAFF:
        abort(403)
    if forms.ConfirmForm().validate_on_submit():
        second_factor.disable_totp(account)
        flash(_("Two-step sign-in is off."), "info")
    return redirect(url_for("accounts.settings"))


@bp.post("/account/second-factor/recovery-codes")
@login_required
def recovery_codes():
    """Replace the recovery codes (the old ones stop working)."""
    account = current_account()
    if not account.totp_enabled or not forms.ConfirmForm().validate_on_submit():
        return redirect(url_for("accounts.settings"))
    codes = second_factor.new_recovery_codes(account)
    audit("second_factor.recovery_codes_renewed", actor=account.login)
    return render_template("accounts/recovery_codes.html", codes=codes,
                           next_url=url_for("accounts.settings"))


# --- password reset by e-mail -------------------------------------------------------------


@bp.route("/password-reset", methods=["GET", "POST"])
def reset_request():
    """Ask for a reset link (sent only to a verified recovery e-mail; same answer always)."""
    form = forms.ResetRequestForm()
    if form.validate_on_submit():
        recovery.request_password_reset(form.login.data)
        return render_template("accounts/message.html", title=_("Check your mailbox"), message=_(
            "If this login has a confirmed e-mail address, we have sent a link to it. "
            "Without one, ask the school secretariat, the administrator or the homeroom "
            "teacher for a new password."))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a mailed link (works once)."""
    try:
        account = recovery.account_from_reset_token(token)
    except TokenError:
        return _link_not_valid(_("This link has expired or was already used. Ask for a new one."))
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            signin.set_own_password(account, form.new_password.data)
        except PasswordRejected as exc:
            form.new_password.errors.extend(exc.result.messages())
        else:
            audit("password.reset_by_mail", actor=account.login)
            sign_out()
            flash(_("Your new password is set. Sign in with it."), "success")
            return redirect(url_for("accounts.login"))
    form.new_password.data = form.new_password_confirm.data = ""
    return render_template("accounts/reset_password.html", form=form, account=account)
