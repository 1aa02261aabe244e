"""Client of the gradebook's back-channel API (docs/architecture.md 5.3): verify school credentials.

    answer = verify_school_credentials("4821937", "Haslo123")   # SchoolAccountAnswer
    # raises WrongSchoolCredentials (401) or GradebookUnavailable (anything else)

The IdP authenticates to the gradebook with an access token it issues to itself
(client credentials, scope ``school_accounts.verify``). The school password is
sent once over this call and never stored or logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

from idp.oidc.keys import key_cache
from idp.oidc.service_tokens import issue_service_access_token

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

VERIFY_PATH = "/internal/v1/school-accounts/verify"
SCOPE = "school_accounts.verify"

PARENT = "parent"
PUPIL = "pupil"


class BackchannelError(Exception):
    """The school credentials could not be checked."""


class WrongSchoolCredentials(BackchannelError):
    """The gradebook answered 401: wrong login or password (it does not say which)."""


class SchoolCredentialsThrottled(BackchannelError):
    """The gradebook refuses more attempts for this login for now (429)."""


class GradebookUnavailable(BackchannelError):
    """The gradebook did not answer, answered an error, or sent an answer we cannot read."""


@dataclass(frozen=True)
class SchoolAccountAnswer:
    """The gradebook's answer for verified school credentials."""

    ref: str
    role: str  # parent | pupil
    display_name: str
    school: str
    pupil_ref: str | None
    pupil_display_name: str | None
    pupil_age: int | None

    @classmethod
    def from_json(cls, data: dict) -> SchoolAccountAnswer:
        """Read the 200 answer; raise :class:`GradebookUnavailable` if it is malformed."""
        try:
            pupil = data.get("pupil") or {}
            age = pupil.get("age")
            answer = cls(ref=str(data["ref"]), role=str(data["role"]),
                         display_name=str(data.get("display_name") or ""),
                         school=str(data.get("school") or ""),
                         pupil_ref=str(pupil["ref"]) if pupil.get("ref") else None,
                         pupil_display_name=pupil.get("display_name"),
                         pupil_age=int(age) if age is not None else None)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GradebookUnavailable("malformed verify answer") from exc
        if not answer.ref:
            raise GradebookUnavailable("verify answer without ref")
        return answer


def _service_token() -> str:
    # On a fresh install the signing keys must exist (committed) before a token is signed:
    # the gradebook fetches them from the JWKS endpoint while this request is still open,
    # and a key created inside this request's transaction would be invisible to it (and
    # on SQLite, the JWKS request would wait for this transaction's write lock).
    key_cache(current_app).get(own_transaction=True)
    return issue_service_access_token(SCOPE)


def _http() -> requests.Session:
    """The HTTP session used for the back-channel (an app may provide its own, e.g. with TLS pins)."""
    session = current_app.extensions.get("backchannel_http")
    return session if session is not None else _requests().Session()


def _requests():
    """The ``requests`` library, loaded by the first school sign-in (~5 MiB a worker never
    needs for the token endpoint, discovery or UserInfo; tests/test_worker_imports.py)."""
    import requests

    return requests


def verify_school_credentials(login: str, password: str) -> SchoolAccountAnswer:
    """Ask the gradebook whether ``login``/``password`` are a valid school account."""
    url = current_app.config["GRADEBOOK_URL"].rstrip("/") + VERIFY_PATH
    timeout = current_app.config["BACKCHANNEL_TIMEOUT"]
    token = _service_token()
    try:
        response = _http().post(url, json={"login": login, "password": password},
                                headers={"Authorization": f"Bearer {token}",
                                         "Accept": "application/json"},
                                timeout=timeout, allow_redirects=False)
    except _requests().RequestException as exc:
        log.warning("gradebook back-channel unreachable: %s", type(exc).__name__)
        raise GradebookUnavailable(type(exc).__name__) from exc
    if response.status_code == 401:
        if "invalid_token" in response.headers.get("WWW-Authenticate", ""):
            # Our own service token was refused: a configuration problem, not the user's.
            log.warning("gradebook refused the IdP's service token")
            raise GradebookUnavailable("service token refused")
        raise WrongSchoolCredentials
    if response.status_code == 429:
        raise SchoolCredentialsThrottled
    if response.status_code != 200:
        log.warning("gradebook back-channel answered %s", response.status_code)
        raise GradebookUnavailable(f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise GradebookUnavailable("answer is not JSON") from exc
    if not isinstance(data, dict):
        raise GradebookUnavailable("answer is not an object")
    return SchoolAccountAnswer.from_json(data)
