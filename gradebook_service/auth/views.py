"""Sign-in pages: school login, second factor, first login, account settings, SSO, logout."""

from __future__ import annotations

import base64
import logging

import segno
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

from gradebook_service.accounts import services
from gradebook_service.accounts.access import (
    SESSION_KEY,
    current_account,
    login_required,
    sign_in,
    sign_out,
)
from gradebook_service.accounts.models import STAFF, SchoolAccount
from gradebook_service.auth import forms
from gradebook_service.auth.gate import AUTH_METHOD_KEY, pending_step
from gradebook_service.auth.oidc import SsoError, idp_client, linked_accounts, sso_enabled
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from shared.security import safe_next

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/auth")
home_bp = Blueprint("home", __name__, template_folder="templates")

PENDING_2FA_KEY = "pending_2fa"
TOTP_SETUP_KEY = "totp_setup"
LINKED_KEY = "linked_accounts"
ID_TOKEN_KEY = "oidc_id_token"  # noqa: S105 - a session key name
NEXT_KEY = "after_login"



def _wrong_credentials() -> str:
    return _("Wrong login or password.")


def _too_many() -> str:
    return _("Too many failed attempts. Wait a few minutes and try again.")


def _finish_sign_in(account: SchoolAccount, method: str, next_url: str | None = None):
    """Start the session and continue with the first pending step or the wanted page."""
    sign_in(account)
    session[AUTH_METHOD_KEY] = method
    services.record_login(account, method)
    step = pending_step(account)
    if step is not None:
        return redirect(url_for(step))
    return redirect(safe_next(next_url, url_for("home.index")))


# --- home ---------------------------------------------------------------------------------


@home_bp.get("/")
def index():
    """Send each person where they work: families and staff to their home pages."""
    account = current_account()
    if account is None:
        return redirect(url_for("auth.login"))
    target = "staff.home" if account.role == STAFF else "family.home"
    if target in current_app.view_functions:
        return redirect(url_for(target))
    return render_template("auth/home.html", account=account,
                           office=account.role == STAFF and _has_office(account))


def _has_office(account: SchoolAccount) -> bool:
    from gradebook_service.accounts.access import is_homeroom_teacher

    return account.staff.is_admin or account.staff.is_secretary or is_homeroom_teacher(account)


@home_bp.get("/office")
@login_required
def office():
    """What the school office can do here: roster, letters, hand-over, lost passwords, terms."""
    account = current_account()
    if account.role != STAFF or not _has_office(account):
        abort(403)
    return render_template("auth/home.html", account=account, office=True)


# --- school login -------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with the school-issued login and password."""
    form = forms.LoginForm()
    error = None
    next_url = request.args.get("next")
    if form.validate_on_submit():
        try:
            account = services.authenticate(form.login.data, form.password.data)
        except services.TooManyAttempts:
            error = _too_many()
        except services.InvalidCredentials:
            error = _wrong_credentials()
        else:
            if services.needs_second_factor(account):
                session.clear()
                session[PENDING_2FA_KEY] = {"id": account.id, "v": account.session_version}
                if next_url:
                    session[NEXT_KEY] = next_url
                return redirect(url_for("auth.second_factor"))
            return _finish_sign_in(account, "password", next_url)
        form.password.data = ""
    return render_template("auth/login.html", form=form, error=error,
                           sso_enabled=sso_enabled()), (200 if error is None else 401)


@bp.route("/login/second-factor", methods=["GET", "POST"])
def second_factor():
    """Second step of a sign-in: a TOTP code or a recovery code."""
    pending = session.get(PENDING_2FA_KEY)
    account = db.session.get(SchoolAccount, pending["id"]) if pending else None
    if account is None or account.session_version != pending.get("v") or not account.is_active:
        session.pop(PENDING_2FA_KEY, None)
        return redirect(url_for("auth.login"))
    form = forms.SecondFactorForm()
    error = None
    if form.validate_on_submit():
        try:
            used = services.verify_second_factor(account, form.code.data)
        except services.TooManyAttempts:
            error = _too_many()
        except services.InvalidSecondFactor:
            error = _("The code is wrong or has already been used.")
        else:
            next_url = session.get(NEXT_KEY)
            response = _finish_sign_in(account, "password", next_url)
            if used == "recovery_code":
                flash(_("You used a recovery code. %(count)d left.",
                        count=services.unused_recovery_codes(account)), "warning")
            return response
    return render_template("auth/second_factor.html", form=form, error=error), (
        200 if error is None else 401)


@bp.post("/logout")
def logout():
    """End the session here and, for SSO sign-ins, at the IdP too (RP-initiated logout)."""
    id_token = session.get(ID_TOKEN_KEY)
    account = current_account()
    if account is not None:
        audit("logout", actor=account.login)
    sign_out()
    client = idp_client()
    if id_token and client is not None:
        try:
            logout = client.create_logout_url(
                post_logout_redirect_uri=current_app.config["GRADEBOOK_URL"] + url_for(
                    "auth.login"), id_token_hint=id_token)
            return redirect(logout["url"])
        except Exception:  # noqa: BLE001 - IdP unreachable: the local session is over anyway
            log.warning("RP-initiated logout failed; local session ended")
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


# --- first login --------------------------------------------------------------------------


@bp.route("/first-login", methods=["GET", "POST"])
@login_required
def first_login():
    """Set an own password, accept the terms and give a recovery e-mail (the gate leads here)."""
    account = current_account()
    needs_password = session.get(AUTH_METHOD_KEY) != "sso" and account.must_change_password
    terms = services.current_terms(account.school_id)
    needs_terms = (account.terms_version_accepted or 0) < terms.version
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
                result = services.check_new_password(account, form.new_password.data)
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
                services.set_own_password(account, form.new_password.data)
            except services.PasswordRejected as exc:
                form.new_password.errors.extend(exc.result.messages())
                ok = False
        if ok:
            if needs_terms:
                services.accept_terms(account, terms.version)
            if needs_password:
                sign_in(account)  # the session version changed with the password
                session[AUTH_METHOD_KEY] = "password"
            if form.email.data:
                services.request_recovery_email(account, form.email.data)
                flash(_("We sent a confirmation link to %(email)s.", email=form.email.data),
                      "info")
            flash(_("Thank you. Your account is ready."), "success")
            return redirect(url_for(pending_step(account) or "home.index"))
    form.new_password.data = form.new_password_confirm.data = ""
    return render_template("auth/first_login.html", form=form, terms=terms,
                           needs_password=needs_password, needs_terms=needs_terms,
                           warnings=warnings, account=account,
                           show_email=not account.recovery_email_verified_at)


@bp.get("/terms")
def terms():
    """Show the current terms of the signed-in user's school."""
    account = current_account()
    if account is None:
        return redirect(url_for("auth.login"))
    return render_template("auth/terms.html", terms=services.current_terms(account.school_id))


# --- second factor enrolment and account settings -----------------------------------------


def _qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").png_data_uri(scale=5, border=2)


@bp.route("/account/second-factor/setup", methods=["GET", "POST"])
@login_required
def totp_setup():
    """Enrol an authenticator app: scan the QR code, confirm one code, keep the recovery codes."""
    account = current_account()
    if account.totp_enabled:
        return redirect(url_for("auth.settings"))
    encrypted = session.get(TOTP_SETUP_KEY)
    secret = None
    if encrypted:
        try:
            secret = services.decrypt("totp-setup", base64.b64decode(encrypted)).decode()
        except Exception:  # noqa: BLE001 - stale or foreign value: start again
            secret = None
    if secret is None:
        secret = services.new_totp_secret()
        session[TOTP_SETUP_KEY] = base64.b64encode(
            services.encrypt("totp-setup", secret.encode())).decode()
    form = forms.TotpEnableForm()
    error = None
    if form.validate_on_submit():
        try:
            codes = services.enable_totp(account, secret, form.code.data)
        except services.InvalidSecondFactor:
            error = _("The code does not match. Check the time on your phone and try again.")
        else:
            session.pop(TOTP_SETUP_KEY, None)
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=url_for(pending_step(account) or "home.index"))
    uri = services.totp_uri(account, secret)
    return render_template("auth/totp_setup.html", form=form, error=error, secret=secret,
                           qr=_qr_data_uri(uri), required=account.role == STAFF)


@bp.get("/account")
@login_required
def settings():
    """Account settings: password, recovery e-mail, second factor."""
    account = current_account()
    return render_template(
        "auth/settings.html", account=account, password_form=forms.ChangePasswordForm(),
        email_form=forms.RecoveryEmailForm(email=account.recovery_email),
        confirm_form=forms.ConfirmForm(),
        recovery_left=services.unused_recovery_codes(account) if account.totp_enabled else 0)


@bp.post("/account/password")
@login_required
def change_password():
    """Change the password (the current one is asked again)."""
    account = current_account()
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            verified = services.authenticate(account.login, form.current_password.data)
            if verified.id != account.id:
                raise services.InvalidCredentials()
        except services.TooManyAttempts:
            form.current_password.errors.append(_too_many())
        except services.InvalidCredentials:
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            try:
                services.set_own_password(account, form.new_password.data)
            except services.PasswordRejected as exc:
                form.new_password.errors.extend(exc.result.messages())
            else:
                method = session.get(AUTH_METHOD_KEY, "password")
                linked = session.get(LINKED_KEY)
                id_token = session.get(ID_TOKEN_KEY)
                sign_in(account)
                session[AUTH_METHOD_KEY] = method
                if linked:
                    session[LINKED_KEY] = linked
                if id_token:
                    session[ID_TOKEN_KEY] = id_token
                flash(_("Your password has been changed. Other sessions have ended."), "success")
                return redirect(url_for("auth.settings"))
    return render_template(
        "auth/settings.html", account=account, password_form=form,
        email_form=forms.RecoveryEmailForm(email=account.recovery_email),
        confirm_form=forms.ConfirmForm(),
        recovery_left=services.unused_recovery_codes(account) if account.totp_enabled else 0), 400


@bp.post("/account/email")
@login_required
def change_email():
    """Set the recovery e-mail (a confirmation link is mailed)."""
    account = current_account()
    form = forms.RecoveryEmailForm()
    if form.validate_on_submit():
        services.request_recovery_email(account, form.email.data)
        flash(_("We sent a confirmation link to %(email)s.", email=form.email.data), "info")
        return redirect(url_for("auth.settings"))
    return render_template(
        "auth/settings.html", account=account, password_form=forms.ChangePasswordForm(),
        email_form=form, confirm_form=forms.ConfirmForm(),
        recovery_left=services.unused_recovery_codes(account) if account.totp_enabled else 0), 400


@bp.route("/account/email/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """Confirm a recovery e-mail; the GET shows a button so mail scanners cannot confirm."""
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            services.verify_recovery_email(token)
        except services.TokenRejected:
            return render_template("auth/message.html", title=_("Link not valid"), message=_(
                "This link has expired or was already used. Give the address again in the "
                "account settings.")), 400
        flash(_("Your e-mail address is confirmed."), "success")
        return redirect(url_for("home.index"))
    return render_template("auth/verify_email.html", form=form)


@bp.post("/account/second-factor/disable")
@login_required
def totp_disable():
    """Turn the second factor off (families only: staff must keep it)."""
    account = current_account()
    if account.role == STAFF:
        abort(403)
    if forms.ConfirmForm().validate_on_submit():
        services.disable_totp(account)
        flash(_("Two-step sign-in is off."), "info")
    return redirect(url_for("auth.settings"))


@bp.post("/account/second-factor/recovery-codes")
@login_required
def recovery_codes():
    """Replace the recovery codes (the old ones stop working)."""
    account = current_account()
    if not account.totp_enabled or not forms.ConfirmForm().validate_on_submit():
        return redirect(url_for("auth.settings"))
    codes = services.new_recovery_codes(account)
    audit("second_factor.recovery_codes_renewed", actor=account.login)
    return render_template("auth/recovery_codes.html", codes=codes,
                           next_url=url_for("auth.settings"))


# --- password reset by e-mail -------------------------------------------------------------


@bp.route("/password-reset", methods=["GET", "POST"])
def reset_request():
    """Ask for a reset link (sent only to a verified recovery e-mail; same answer always)."""
    form = forms.ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.login.data)
        return render_template("auth/message.html", title=_("Check your mailbox"), message=_(
            "If this login has a confirmed e-mail address, we have sent a link to it. "
            "Without one, ask the school secretariat, the administrator or the homeroom "
            "teacher for a new password."))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a mailed link (works once)."""
    try:
        account = services.account_from_reset_token(token)
    except services.TokenRejected:
        return render_template("auth/message.html", title=_("Link not valid"), message=_(
            "This link has expired or was already used. Ask for a new one.")), 400
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_own_password(account, form.new_password.data)
        except services.PasswordRejected as exc:
            form.new_password.errors.extend(exc.result.messages())
        else:
            audit("password.reset_by_mail", actor=account.login)
            sign_out()
            flash(_("Your new password is set. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    form.new_password.data = form.new_password_confirm.data = ""
    return render_template("auth/reset_password.html", form=form, account=account)


# --- sign-in through the IdP --------------------------------------------------------------


@bp.get("/auth/sso")
def sso_start():
    """Send the browser to the IdP (code flow with PKCE, state and nonce)."""
    client = idp_client()
    if client is None:
        abort(404)
    next_url = request.args.get("next")
    if next_url:
        session[NEXT_KEY] = next_url
    redirect_uri = current_app.config["GRADEBOOK_URL"] + url_for("auth.sso_callback")
    return client.authorize_redirect(redirect_uri)


@bp.get("/auth/callback")
def sso_callback():
    """Finish the IdP sign-in: validate the ID token and map ``school_accounts``."""
    client = idp_client()
    if client is None:
        abort(404)
    try:
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
        return redirect(url_for("auth.login"))
    if not accounts:
        flash(_("Your account is not linked to any school login of this e-register yet."),
              "error")
        return redirect(url_for("auth.login"))
    next_url = session.pop(NEXT_KEY, None)
    response = _finish_sign_in(accounts[0], "sso", next_url)
    session[LINKED_KEY] = [a.id for a in accounts]
    session[ID_TOKEN_KEY] = token.get("id_token")
    return response


@bp.post("/account/switch")
@login_required
def switch():
    """Switch to another child's account linked to the same unified account."""
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    linked = session.get(LINKED_KEY) or []
    ref = request.form.get("account", "")
    target = db.session.execute(
        db.select(SchoolAccount).where(SchoolAccount.ref == ref)).scalar_one_or_none()
    if target is None or target.id not in linked or not target.is_active:
        abort(404)
    id_token = session.get(ID_TOKEN_KEY)
    method = session.get(AUTH_METHOD_KEY)
    sign_in(target)
    session[AUTH_METHOD_KEY] = method
    session[LINKED_KEY] = linked
    if id_token:
        session[ID_TOKEN_KEY] = id_token
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
    office = account is not None and account.role == STAFF and _has_office(account)
    return {"header_account": account, "switchable_accounts": switchable, "header_office": office,
            "switch_form": forms.ConfirmForm() if switchable else None}
