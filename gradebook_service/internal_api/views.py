"""``POST /internal/v1/school-accounts/verify`` (docs/architecture.md 5.3), called by the IdP only."""

from __future__ import annotations

from flask import Blueprint, request

from gradebook_service.accounts.logins import age_today, normalise_login
from gradebook_service.accounts.models import PARENT, PUPIL
from gradebook_service.accounts.signin import authenticate
from gradebook_service.core.models import audit
from gradebook_service.extensions import csrf, db
from gradebook_service.internal_api.tokens import (
    InsufficientScope,
    TokenRejected,
    bearer_token,
    verify_access_token,
    www_authenticate,
)
from gradebook_service.school.models import School
from shared.credentials import InvalidCredentials, TooManyAttempts
from shared.problem import problem_response

bp = Blueprint("internal_api", __name__, url_prefix="/internal/v1")
csrf.exempt(bp)  # bearer tokens, no cookies: CSRF does not apply

VERIFY_SCOPE = "school_accounts.verify"
VERIFY_THROTTLE_SCOPE = "gradebook-verify"


def _unauthorized(error: str, status: int = 401):
    response = problem_response(status, "Unauthorized" if status == 401 else "Forbidden",
                                "A valid access token from the identity provider is required.")
    response.headers["WWW-Authenticate"] = www_authenticate(
        error, VERIFY_SCOPE if status == 403 else None)
    return response


@bp.post("/school-accounts/verify")
def verify_school_account():
    """Check a school login and password for the IdP; answer who it is (families only)."""
    raw = bearer_token()
    if raw is None:
        return _unauthorized("invalid_request")
    try:
        claims = verify_access_token(raw, VERIFY_SCOPE)
    except InsufficientScope:
        return _unauthorized("insufficient_scope", 403)
    except TokenRejected:
        return _unauthorized("invalid_token")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("login"), str) \
            or not isinstance(body.get("password"), str) \
            or len(body["login"]) > 64 or len(body["password"]) > 1024:
        return problem_response(400, "Bad Request",
                                'Send JSON {"login": "...", "password": "..."}.')
    login = normalise_login(body["login"])
    try:
        # The IdP calls from one address for everyone, so failures count per login only.
        account = authenticate(login, body["password"], scope=VERIFY_THROTTLE_SCOPE,
                                        ip="verify:" + login)
        if account.role not in (PARENT, PUPIL) or account.family_pupil() is None:
            raise InvalidCredentials()
    except TooManyAttempts:
        response = problem_response(429, "Too Many Requests",
                                    "Too many failed attempts for this login. Try later.")
        response.headers["Retry-After"] = "900"
        return response
    except InvalidCredentials:
        return problem_response(401, "Unauthorized", "Wrong login or password.")
    pupil = account.family_pupil()
    school = db.session.get(School, account.school_id)
    audit("idp.link_verified", actor=str(claims.get("client_id") or claims.get("sub") or "idp"),
          subject=account.login, ref=account.ref)
    return {
        "ref": account.ref,
        "role": account.role,
        "display_name": account.display_name,
        "school": school.name,
        "pupil": {"ref": pupil.ref, "display_name": pupil.full_name,
                  "age": age_today(pupil)},
    }
