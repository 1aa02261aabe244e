"""Who an API request speaks for: the verified token, its user's school accounts and pupils.

The token's ``school_accounts`` refs map to local family accounts exactly as the
SSO callback maps them (``auth/oidc.py`` ``linked_accounts``); which pupils each
account may see is decided by ``accounts/access.py``, the code behind the web UI.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from gradebook_service.accounts.access import can_see_pupil, visible_pupil_ids_query
from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.api.errors import InsufficientScope, NotFound, Unauthorized
from gradebook_service.auth.oidc import linked_accounts
from gradebook_service.extensions import db
from gradebook_service.internal_api import tokens
from gradebook_service.school.models import Pupil, School, SchoolClass


@dataclass(frozen=True)
class Caller:
    """A verified access token and the local family accounts of its user."""

    claims: dict
    accounts: tuple[SchoolAccount, ...]

    @property
    def sub(self) -> str:
        return str(self.claims.get("sub", ""))

    @property
    def client_id(self) -> str:
        return str(self.claims.get("client_id", ""))

    @property
    def scopes(self) -> set[str]:
        return tokens.token_scopes(self.claims)


@dataclass(frozen=True)
class Visible:
    """A pupil the caller may see, through which of its accounts, with class and school."""

    account: SchoolAccount
    pupil: Pupil
    school_class: SchoolClass
    school: School


def authenticate() -> Caller:
    """The request's caller, or :class:`Unauthorized` (called once per request, by the operation)."""
    raw = tokens.bearer_token()
    if raw is None:
        raise Unauthorized(_l("Send an access token from the identity provider: "
                              "Authorization: Bearer <token>."), error=None)
    try:
        claims = tokens.verify_access_token(raw, None)
    except tokens.TokenRejected as exc:
        raise Unauthorized(_l("The access token is invalid, expired, revoked or not meant "
                              "for this API.")) from exc
    if not claims.get("sub") or not claims.get("client_id") or "gid" not in claims:
        # A client-credentials token speaks for no user: no pupil data.
        raise Unauthorized(_l("This API needs a token issued to a user."))
    return Caller(claims, tuple(linked_accounts(claims)))


def require_scope(caller: Caller, scope: str) -> None:
    """Refuse with 403 ``insufficient_scope`` unless the token carries ``scope``."""
    if scope not in caller.scopes:
        raise InsufficientScope(scope)


def visible_pupils(caller: Caller) -> list[Visible]:
    """Every pupil the caller's accounts may see, in the order of the token's accounts (one query)."""
    if not caller.accounts:
        return []
    by_account = [sa.select(sa.literal(i).label("n"), Pupil.id.label("pupil_id"))
                  .where(Pupil.school_id == account.school_id,
                         Pupil.id.in_(visible_pupil_ids_query(account)))
                  for i, account in enumerate(caller.accounts)]
    allowed = sa.union_all(*by_account).subquery()
    rows = db.session.execute(
        sa.select(allowed.c.n, Pupil, SchoolClass, School)
        .join(Pupil, Pupil.id == allowed.c.pupil_id)
        .join(SchoolClass, SchoolClass.id == Pupil.class_id)
        .join(School, School.id == Pupil.school_id)
        .order_by(allowed.c.n, Pupil.last_name, Pupil.first_name)).all()
    seen, found = set(), []
    for n, pupil, school_class, school in rows:
        if pupil.id not in seen:
            seen.add(pupil.id)
            found.append(Visible(caller.accounts[n], pupil, school_class, school))
    return found


def pupil_or_404(caller: Caller, ref: str) -> Visible:
    """The pupil ``ref`` if one of the caller's accounts may see it (``can_see_pupil``), else 404."""
    row = db.session.execute(
        sa.select(Pupil, SchoolClass, School)
        .join(SchoolClass, SchoolClass.id == Pupil.class_id)
        .join(School, School.id == Pupil.school_id)
        .where(Pupil.ref == ref)).first() if len(ref) <= 32 else None
    if row is not None:
        pupil, school_class, school = row
        for account in caller.accounts:
            if can_see_pupil(account, pupil):
                return Visible(account, pupil, school_class, school)
    raise NotFound(_l("No such pupil for this token."))
