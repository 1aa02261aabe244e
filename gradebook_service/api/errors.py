"""The API's refusals as exceptions, each turned once into problem+json (RFC 9457)."""

from __future__ import annotations

from flask import Response
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from gradebook_service.api.language import api_locale
from gradebook_service.internal_api.tokens import www_authenticate
from shared.problem import problem_response


class ApiError(Exception):
    """A refusal with its status, title and explanation.

    ``title`` and ``detail`` may be lazy strings: they are rendered in the API's language
    (language.py) when the answer is made, wherever the refusal was raised.
    """

    status = 400
    title = _l("Bad Request")

    def __init__(self, detail, **extra) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.extra = extra

    def headers(self) -> dict[str, str]:
        return {}

    def response(self) -> Response:
        with force_locale(api_locale()):
            response = problem_response(self.status, str(self.title), str(self.detail),
                                        **self.extra)
        response.headers.update(self.headers())
        response.headers["Cache-Control"] = "no-store"
        return response


class BadRequest(ApiError):
    """The query or body does not match the documented shape."""


class Unauthorized(ApiError):
    """No token, or one the API does not accept (RFC 6750 §3.1 ``invalid_token``)."""

    status = 401
    title = _l("Unauthorized")

    def __init__(self, detail, error: str | None = "invalid_token") -> None:
        super().__init__(detail)
        self.error = error

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": www_authenticate(self.error)}


class InsufficientScope(ApiError):
    """A valid token without the scope the resource needs (RFC 6750 §3.1)."""

    status = 403
    title = _l("Forbidden")

    def __init__(self, scope: str) -> None:
        super().__init__(_l("This request needs the scope %(scope)s.", scope=scope))
        self.scope = scope

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": www_authenticate("insufficient_scope", self.scope)}


class Forbidden(ApiError):
    """The user may see the pupil but not do this (e.g. a pupil sending an excuse)."""

    status = 403
    title = _l("Forbidden")


class NotFound(ApiError):
    """No such object, or one this token may not see (existence is not revealed)."""

    status = 404
    title = _l("Not Found")


class Unprocessable(ApiError):
    """A well-formed request the register refuses (e.g. an absence already excused)."""

    status = 422
    title = _l("Unprocessable Content")


class TooManyRequests(ApiError):
    """The client or the user has used up its requests for the window."""

    status = 429
    title = _l("Too Many Requests")

    def __init__(self, detail, retry_after: int, rate_headers: dict[str, str]) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.rate_headers = rate_headers

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after), **self.rate_headers}
