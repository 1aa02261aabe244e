"""Sign-in and sign-out pages of the IdP (thin: the logic is in ``services``)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from idp.accounts import mfa, services
from idp.accounts.forms import ConfirmForm, LoginForm, OtpForm
from idp.accounts.session import (
    current_user,
    login_user,
    logout_user,
    remember_pending_account,
)
from idp.core.models import audit
from idp.extensions import limiter
from shared.credentials import InvalidCredentials, InvalidSecondFactor, TooManyAttempts
from shared.security import csp, safe_next

bp = Blueprint("accounts", __name__, template_folder="templates")


def _post_rate() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.before_app_request
def forget_previous_request():
    """Drop per-request caches kept on ``g``.

    ``g`` belongs to the application context, which normally lives exactly as long as
    the request; when a caller (a test, a CLI command) holds an app context across
    several requests, the signed-in user and CSRF token must not leak between them.
    """
    g.pop("idp_user", None)
    g.pop("csrf_token", None)


@bp.app_context_processor
def signed_in_user():
    """Make the signed-in account available to every template (navigation bar)."""

    def endpoint_url(endpoint: str, **values) -> str | None:
        try:
            return url_for(endpoint, **values)
        except BuildError:
            return None

    return {"idp_user": current_user(), "endpoint_url": endpoint_url}


def default_landing() -> str:
    """Where to go after signing in when no ``next`` was given: the account page if there is one."""
    try:
        return url_for("settings.overview")
    except BuildError:
        return url_for("core.home")


def _client_origins(next_url: str) -> str | None:
    """Origins of the client a sign-in continues to, when ``next`` is an authorization request.

    Browsers apply the sign-in page's CSP ``form-action`` to every redirect after the
    form is posted, up to the client's redirect URI: that origin must be allowed, or
    the browser stops the sign-in half-way. Only a redirect URI registered for the
    client is added.
    """
    try:
        authorize_path = url_for("oidc.authorize")
    except BuildError:
        return None
    parts = urlsplit(next_url)
    if parts.path != authorize_path:
        return None
    params = dict(parse_qsl(parts.query))
    from idp.oidc.clients import query_client

    client = query_client(params.get("client_id"))
    if client is None:
        return None
    wanted = params.get("redirect_uri")
    uris = [wanted] if wanted in client.redirect_uris else (
        [] if wanted else list(client.redirect_uris[:1]))
    origins = sorted({f"{u.scheme}://{u.netloc}" for u in map(urlsplit, uris) if u.netloc})
    return " ".join(origins) or None


def _page(response, next_url: str):
    """Let the page's form lead on to the client's redirect URI (see :func:`_client_origins`)."""
    origins = _client_origins(next_url)
    if origins:
        response.headers["Content-Security-Policy"] = csp(origins)
    return response


def _next_url() -> str:
    return safe_next(request.args.get("next"), default_landing())


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_post_rate, methods=["POST"])
def login():
    """Sign in with e-mail and own password (``next``, ``force=1`` and ``login_hint`` honoured)."""
    next_url = _next_url()
    force = request.args.get("force") == "1"
    if request.method == "GET" and current_user() is not None and not force:
        return redirect(next_url)
    form = LoginForm()
    if request.method == "GET":
        form.email.data = (request.args.get("login_hint") or "")[:320]
        if current_user() is not None and not form.email.data:
            form.email.data = current_user().email
    problem = not_active = None
    status = 200
    if form.validate_on_submit():
        try:
            account = services.authenticate(form.email.data, form.password.data)
        except TooManyAttempts:
            problem = _("Too many failed attempts. Wait a quarter of an hour and try again, "
                        "or set a new password with “Forgot your password?”.")
            status = 429
        except InvalidCredentials:
            problem = _("Wrong e-mail address or password.")
        except services.AccountNotActive as exc:
            not_active = exc.account
            remember_pending_account(not_active)
            status = 403
        else:
            if mfa.is_enabled(account):
                mfa.start_second_step(account, next_url)
                return redirect(url_for("accounts.login_otp"))
            login_user(account, amr=("pwd",))
            services.record_login(account, ("pwd",))
            return redirect(next_url)
    elif request.method == "POST":
        status = 400 if form.errors.get("csrf_token") else 200
    return _page(make_response(render_template(
        "accounts/login.html", form=form, problem=problem, not_active=not_active,
        explanation=_not_active_explanation(not_active), next_url=next_url), status), next_url)


def _not_active_explanation(account) -> dict | None:
    if account is None:
        return None
    from idp.accounts.status import explain

    return explain(account)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_post_rate, methods=["POST"])
def login_otp():
    """Second sign-in step when the account has a TOTP authenticator."""
    pending = mfa.pending_second_step()
    if pending is None:
        flash(_("Please sign in again."), "warning")
        return redirect(url_for("accounts.login"))
    account, next_url = pending
    form = OtpForm()
    problem = None
    status = 200
    if form.validate_on_submit():
        try:
            methods = mfa.verify_second_step(account, form.code.data)
        except TooManyAttempts:
            problem = _("Too many wrong codes. Wait a quarter of an hour and sign in again.")
            status = 429
        except InvalidSecondFactor:
            problem = _("That code is not right. Enter the current code from your app, "
                        "or one of your recovery codes.")
        else:
            login_user(account, amr=methods)
            services.record_login(account, methods)
            return redirect(next_url)
    return _page(make_response(render_template("accounts/login_otp.html", form=form,
                                               problem=problem), status), next_url)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Sign out (a POST with the CSRF token; GET only asks for confirmation)."""
    form = ConfirmForm()
    next_url = safe_next(request.args.get("next"), url_for("core.home"))
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("accounts/logout.html", form=form), 400
        user = current_user()
        if user is not None:
            audit("logout", actor=user.sub, subject=user.sub)
        logout_user()
        flash(_("You are signed out."), "success")
        return redirect(next_url)
    if current_user() is None and not session.get("uid"):
        return redirect(next_url)
    return render_template("accounts/logout.html", form=form)
