"""HTTP endpoints of the OpenID Provider: thin wrappers over Authlib's server (``server.py``).

Views turn protocol results and :class:`OAuth2Error` into responses; the
authorization endpoint adds the user-facing steps (sign-in, consent, form_post)
and is the one place that turns the browser session into the provider's
:class:`Authentication`. Discovery, the JWKS and the token endpoint are served
ahead of Flask by ``fastpath.py``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from authlib.oauth2 import OAuth2Error
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import HTTPException
from wtforms import ValidationError

from idp.accounts import session as account_session
from idp.extensions import csrf
from idp.oidc.authentication import Authentication
from idp.oidc.authorize import AuthorizationContext, describe_scopes, parse_ui_locales, reauth_marker
from idp.oidc.keys import key_cache
from idp.oidc.server import Issuer, authorization_server
from idp.oidc.services import remember_consent
from shared.security import csp

bp = Blueprint("oidc", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/oidc")
# The protocol endpoints are called by clients, not by our pages: the two forms this
# blueprint renders (consent, logout confirmation) check their CSRF token themselves.
csrf.exempt(bp)

@bp.before_request
def load_keys():
    """Load (or on a fresh install create, in their own transaction) the signing keys."""
    if request.endpoint != "oidc.static":
        key_cache(current_app).get(own_transaction=True)


#: Parameters of our own forms, never passed on as authorization request parameters.
_FORM_FIELDS = ("csrf_token", "consent_decision", "confirm")


def _csrf_ok() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return False
    return True


# --------------------------------------------------------------------------- authorize

def _authorization_redirect(response: Response, response_mode: str | None) -> Response:
    """Deliver an authorization response: ``iss`` added (RFC 9207), form_post if asked."""
    if response.status_code in (301, 302, 303) and response.location:
        server = authorization_server()
        if "iss=" not in (urlsplit(response.location).query or ""):
            Issuer().add_issuer_parameter(server, response)
        if response_mode == "form_post":
            return _form_post(response.location)
    return response


def _form_post(location: str) -> Response:
    """OAuth 2.0 Form Post Response Mode: an auto-submitting form (static JS, no inline code).

    The page's CSP lets the form post to this client's redirect URI only.
    """
    parts = urlsplit(location)
    # Only reached once the redirect URI matched a registered one exactly. Its own query
    # (if any) stays in the form's action; the response parameters go in the body.
    action = request.values["redirect_uri"]
    own = set(parse_qsl(urlsplit(action).query, keep_blank_values=True))
    fields = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if (k, v) not in own]
    response = Response(render_template("oidc/form_post.html", action=action, fields=fields))
    # form-action for exactly this client's redirect URI (its path; CSP ignores queries).
    target = f"{parts.scheme}://{parts.netloc}{parts.path}".replace(";", "%3B").replace(",", "%2C")
    response.headers["Content-Security-Policy"] = csp(target)
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(error: OAuth2Error, response_mode: str | None) -> Response:
    """Send an error to the client if its redirect URI is known, else show a page (never redirect)."""
    if error.redirect_uri:
        response = authorization_server().handle_error_response(None, error)
        return _authorization_redirect(response, response_mode)
    return Response(render_template("oidc/error.html", error=error.error,
                                    description=error.description), status=400)


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    """OIDC Core §3.1.2: the authorization endpoint (code flow; GET and POST alike, §3.1.2.1)."""
    server = authorization_server()
    response_mode = request.values.get("response_mode")
    decision = request.form.get("consent_decision") if request.method == "POST" else None
    if decision is not None and not _csrf_ok():
        return Response(render_template("oidc/error.html", error="invalid_request",
                                        description="CSRF"), status=400)
    authentication = _authentication()
    try:
        grant = server.get_consent_grant(end_user=authentication)
    except OAuth2Error as error:
        return _error(error, response_mode)
    except ValueError:  # Authlib refuses to echo a control character (e.g. in redirect_uri)
        return Response(render_template("oidc/error.html", error="invalid_request",
                                        description="invalid_request"), status=400)
    ctx = AuthorizationContext(grant, authentication)
    lang = parse_ui_locales(request.values.get("ui_locales"))

    if ctx.needs_login():
        if ctx.prompt_none:
            return _error(LoginRequiredError(redirect_uri=ctx.redirect_uri,
                                             state=ctx.state), response_mode)
        return redirect(_login_redirect(ctx, lang))

    if decision == "deny":
        response = server.create_authorization_response(grant=grant, grant_user=None)
        return _authorization_redirect(response, response_mode)
    if decision != "allow" and ctx.needs_consent():
        if ctx.prompt_none:
            return _error(ConsentRequiredError(redirect_uri=ctx.redirect_uri,
                                               state=ctx.state), response_mode)
        with force_locale(lang or str(get_locale())):
            return render_template("oidc/consent.html", client=ctx.client,
                                   scopes=describe_scopes(ctx.scope), fields=ctx.form_fields())
    if decision == "allow" and not ctx.client.first_party:
        remember_consent(authentication.account, ctx.client.client_id, ctx.scope)
    response = server.create_authorization_response(grant=grant, grant_user=authentication)
    return _authorization_redirect(response, response_mode)


def _authentication() -> Authentication | None:
    """The signed-in account with when and how it authenticated, from the browser session.

    A session without a sign-in time counts as signed in long ago (``max_age`` asks again).
    """
    account = account_session.current_user()
    if account is None:
        return None
    return Authentication(account, account_session.auth_time() or 0,
                          tuple(account_session.auth_methods()) or ("pwd",))


def _login_redirect(ctx: AuthorizationContext, lang: str | None) -> str:
    """The sign-in page, returning to this request (as GET) with a re-authentication marker."""
    params = [(k, v) for k, v in request.values.items(multi=True)
              if k not in _FORM_FIELDS and k != "edz_reauth"]
    params.append(("edz_reauth", reauth_marker(ctx.client.client_id)))
    next_url = url_for("oidc.authorize") + "?" + urlencode(params)
    url = account_session.login_url(next_url, force=ctx.user is not None,
                                    login_hint=request.values.get("login_hint"))
    if lang:
        url += ("&" if "?" in url else "?") + urlencode({"lang": lang})
    return url


# --------------------------------------------------------------------------- token & co

@bp.post("/oauth/revoke")
def revoke():
    """RFC 7009: token revocation."""
    return authorization_server().create_endpoint_response("revocation")


@bp.post("/oauth/introspect")
def introspect():
    """RFC 7662: token introspection (confidential clients)."""
    return authorization_server().create_endpoint_response("introspection")


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
def userinfo():
    """OIDC Core §5.3: the UserInfo endpoint (bearer token in the header)."""
    try:
        response = authorization_server().create_endpoint_response("userinfo")
    except HTTPException as exc:  # Authlib's resource protector aborts with a JSON body
        response = exc.get_response()
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- logout

@bp.route("/oauth/logout", methods=["GET", "POST"])
def end_session():
    """OIDC RP-Initiated Logout 1.0 §2–§3.

    The session ends at once only when ``id_token_hint`` is our genuine ID token
    for the signed-in account; otherwise the user confirms with a POST carrying a
    CSRF token, so a third-party page cannot force a logout. Redirection happens
    only to a URI registered for the hint's client, with ``state`` echoed.
    """
    server = authorization_server()
    try:
        end_request = server.validate_endpoint_request("end_session")
    except OAuth2Error:
        end_request = None  # a tampered hint or mismatched client: no redirect
    user = account_session.current_user()
    claims = end_request.id_token_claims if end_request else None
    confirmed = request.method == "POST" and request.form.get("confirm") == "1" and _csrf_ok()
    hint_is_user = bool(claims and user is not None and claims.get("sub") == user.sub)

    if user is None and not confirmed:
        if end_request is not None and end_request.redirect_uri:
            return redirect(end_request.redirect_uri)
        return render_template("oidc/logged_out.html", client=None)
    if hint_is_user or confirmed:
        account_session.logout_user()
        if end_request is not None:
            response = server.create_endpoint_response("end_session", end_request)
            if response is not None:
                return response
        client = end_request.client if end_request else None
        return render_template("oidc/logged_out.html", client=client)
    fields = [(k, v) for k, v in request.values.items(multi=True) if k not in _FORM_FIELDS]
    return render_template("oidc/logout_confirm.html", fields=fields,
                           client=end_request.client if end_request else None)
