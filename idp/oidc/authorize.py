"""Decisions of the authorization endpoint beyond Authlib's validation: login, consent, hints.

OIDC Core §3.1.2.1–§3.1.2.4: ``prompt``, ``max_age``, ``id_token_hint``,
``ui_locales``; and whether the user must (again) consent to a third-party app.
"""

from __future__ import annotations

import time

from authlib.oauth2.rfc6749.util import scope_to_list
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.errors import JoseError

from idp.oidc import keys
from idp.oidc.authentication import Authentication
from idp.oidc.constants import ALGORITHMS
from idp.oidc.services import find_consent
from shared.i18n import offered_languages
from shared.tokens import TokenError, TokenPurpose, TokenService

#: Marks "the user was sent to sign in at time t by this request" (survives the sign-in,
#: which starts a fresh session). Ten minutes to sign in.
REAUTH = TokenPurpose("oidc-reauth", 600)

SCOPE_DESCRIPTIONS = {
    "openid": _l("Know who you are (a stable identifier of your account)"),
    "profile": _l("See your name and preferred language"),
    "email": _l("See your e-mail address"),
    "school": _l("See which school accounts (pupils and schools) are linked to your account"),
    "offline_access": _l("Stay connected when you are not using it (until you withdraw access)"),
    "grades:read": _l("See the pupil's grades and averages in the school register"),
    "attendance:read": _l("See the pupil's attendance and excuses"),
    "attendance:excuse": _l("Send excuses for the pupil's absences to the homeroom teacher"),
    "timetable:read": _l("See the pupil's timetable with its changes"),
    "homework:read": _l("See the pupil's homework"),
    "calendar:read": _l("See the class's tests and events and the lucky number"),
    "announcements:read": _l("See the school's announcements"),
    "messages:read": _l("Read your messages in the school register (opening one marks it read)"),
    "messages:send": _l("Send messages and answers to school staff on your behalf"),
}


def describe_scopes(scope: str) -> list[tuple[str, str]]:
    """Each scope with a plain-language description (consent page)."""
    return [(s, SCOPE_DESCRIPTIONS.get(s, s)) for s in scope_to_list(scope) or []]


def parse_ui_locales(value: str | None) -> str | None:
    """The first of our languages in ``ui_locales`` (Core §3.1.2.1), e.g. ``"en-GB pl"`` → en."""
    for tag in (value or "").split():
        lang = tag.split("-")[0].lower()
        if lang in offered_languages():
            return lang
    return None


def reauth_marker(client_id: str) -> str:
    """A signed "sign-in requested now" marker carried through the sign-in page."""
    return TokenService(current_app.config["SECRET_KEY"], REAUTH).dumps(
        {"t": int(time.time()), "c": client_id})


def reauth_since(client_id: str) -> int | None:
    """When this request last sent the user to sign in (from a valid marker), else None."""
    value = request.values.get("edz_reauth")
    if not value:
        return None
    try:
        data = TokenService(current_app.config["SECRET_KEY"], REAUTH).loads(value)
    except TokenError:
        return None
    if data.get("c") != client_id or not isinstance(data.get("t"), int):
        return None
    return data["t"]


def id_token_hint_subject() -> str | None:
    """``sub`` of a genuine ID token we issued given as ``id_token_hint`` (expiry not checked)."""
    hint = request.values.get("id_token_hint")
    if not hint:
        return None
    try:
        token = jwt.decode(hint, keys.public_key_set(), algorithms=list(ALGORITHMS))
    except (JoseError, ValueError):
        return None
    if token.claims.get("iss") != current_app.config["IDP_ISSUER"]:
        return None
    return token.claims.get("sub")


class AuthorizationContext:
    """One validated authorization request (an Authlib grant) and the user's authentication."""

    def __init__(self, grant, authentication: Authentication | None) -> None:
        self.grant = grant
        self.authentication = authentication
        self.user = authentication.account if authentication is not None else None
        self.client = grant.request.client
        self.redirect_uri = grant.request.payload.redirect_uri
        self.state = grant.request.payload.state
        self.scope = grant.request.scope or ""
        self.prompts = set((request.values.get("prompt") or "").split())
        self.prompt_none = "none" in self.prompts

    def needs_login(self) -> bool:
        """Whether the user must sign in (again) first (Core §3.1.2.3)."""
        if self.authentication is None:
            return True
        auth_time = self.authentication.auth_time
        since = reauth_since(self.client.client_id)
        fresh = since is not None and auth_time >= since
        if "login" in self.prompts and not fresh:
            return True
        max_age = request.values.get("max_age")
        if max_age is not None and max_age.isdigit() and not fresh \
                and time.time() - auth_time > int(max_age):
            return True
        hint_sub = id_token_hint_subject()
        return hint_sub is not None and hint_sub != self.user.sub

    def needs_consent(self) -> bool:
        """Third-party apps ask once per scope set; ``prompt=consent`` asks again."""
        if self.client.first_party:
            return False
        if "consent" in self.prompts:
            return True
        consent = find_consent(self.user, self.client.client_id)
        return consent is None or not consent.covers(self.scope)

    def form_fields(self) -> list[tuple[str, str]]:
        """The request's parameters, carried by the consent form's POST."""
        return [(k, v) for k, v in request.values.items(multi=True)
                if k not in ("csrf_token", "consent_decision")]
