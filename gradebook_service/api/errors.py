"""The API's refusals as exceptions, each turned once into problem+json (RFC 9457)."""

from __future__ import annotations

from flask import Response

from gradebook_service.internal_api.tokens import www_authenticate
from shared.problem import problem_response


class ApiError(Exception):
    """A refusal with its status, title and explanation."""

    status = 400
    title = "Bad Request"

    def __init__(self, detail: str, **extra) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def headers(self) -> dict[str, str]:
        return {}

    def response(self) -> Response:
        response = problem_response(self.status, self.title, self.detail, **self.extra)
        response.headers.update(self.headers())
        response.headers["Cache-Control"] = "no-store"
        return response


class BadRequest(ApiError):
    """The query or body does not match the documented shape."""


class Unauthorized(ApiError):
    """No token, or one the API does not accept (RFC 6750 §3.1 ``invalid_token``)."""

    status = 401
    title = "Unauthorized"

    def __init__(self, detail: str, error: str | None = "invalid_token") -> None:
        super().__init__(detail)
        self.error = error

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": www_authenticate(self.error)}


class InsufficientScope(ApiError):
    """A valid token without the scope the resource needs (RFC 6750 §3.1)."""

    status = 403
    title = "Forbidden"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This request needs the scope {scope}.")
        self.scope = scope

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": www_authenticate("insufficient_scope", self.scope)}


class Forbidden(ApiError):
    """The user may see the pupil but not do this (e.g. a pupil sending an excuse)."""

    status = 403
    title = "Forbidden"


class NotFound(ApiError):
    """No such object, or one this token may not see (existence is not revealed)."""

    status = 404
    title = "Not Found"


class Unprocessable(ApiError):
    """A well-formed request the register refuses (e.g. an absence already excused)."""

    status = 422
    title = "Unprocessable Content"


class TooManyRequests(ApiError):
    """The client or the user has used up its requests for the window."""

    status = 429
    title = "Too Many Requests"

    def __init__(self, detail: str, retry_after: int, rate_headers: dict[str, str]) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.rate_headers = rate_headers

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after), **self.rate_headers}
