"""The API's operations as data: each route with its scope, query, body and response models.

Views are registered through :func:`operation`, so the OpenAPI document is made from
the same list (and the same pydantic models) that serve and validate the requests.

Operations name their models (``"Grades"``) and views reach them through :data:`schemas`,
which imports ``api/schemas.py`` on first use: pydantic and the models cost every
worker 8 MiB, and a worker that serves only the register's pages never needs them
(issue 16; tests/test_worker_imports.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING

from flask import Blueprint
from flask_babel import force_locale

from gradebook_service.api import caller as callers
from gradebook_service.api.errors import ApiError
from gradebook_service.api.language import api_locale
from gradebook_service.api.ratelimits import count_request

if TYPE_CHECKING:
    from pydantic import BaseModel


class _Schemas:
    """``api/schemas.py``, imported when a view or the OpenAPI document first needs a model."""

    def __getattr__(self, name: str):
        from gradebook_service.api import schemas as module

        return getattr(module, name)


#: The API's pydantic models: ``schemas.Grades`` is ``api.schemas.Grades``, loaded lazily.
schemas = _Schemas()


def model(name: str | None) -> type[BaseModel] | None:
    """The model an operation names (None stays None: a file answer, no query, no body)."""
    return None if name is None else getattr(schemas, name)


@dataclass(frozen=True)
class Operation:
    """One documented endpoint."""

    method: str
    rule: str  # Flask rule, e.g. /pupils/<pupil_id>/grades
    name: str
    summary: str
    response: str | None  # a model's name in api/schemas.py; None: a file (``media_type``)
    scope: str | None = None
    query: str | None = None
    body: str | None = None
    status: int = 200
    errors: tuple[int, ...] = field(default=())
    media_type: str = "application/json"

    @property
    def path(self) -> str:
        """The OpenAPI path (``{pupil_id}``)."""
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.rule)


class OperationRegistry:
    """The operations of one blueprint, registered on it as they are declared."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        self.operations: list[Operation] = []

    def __call__(self, method: str, rule: str, summary: str, response: str | None,
                 *,
                 scope: str | None = None, query: str | None = None,
                 body: str | None = None, status: int = 200,
                 not_found: bool = False, media_type: str = "application/json") -> Callable:
        """Register a view: it gets the verified caller, checked for ``scope`` and counted.

        ``response``, ``query`` and ``body`` name models of api/schemas.py (see :func:`model`).

        ``not_found`` documents a 404 for views that look up an object other than a pupil
        (an account, a thread); a ``pupil_id`` in the path always may answer 404.
        """

        def decorator(view: Callable) -> Callable:
            errors = (400,) if (query or body) else ()
            errors += (401, 403, 429)
            if "pupil_id" in rule or not_found:
                errors += (404,)
            if body is not None:
                errors += (422,)
            op = Operation(method, rule, view.__name__, summary, response, scope, query, body,
                           status, tuple(sorted(set(errors))), media_type)
            self.operations.append(op)

            @wraps(view)
            def wrapped(**kwargs):
                caller = callers.authenticate()
                headers = count_request(caller)
                # The domain's explanations (e.g. a refused message) in the API's language.
                with force_locale(api_locale()):
                    try:
                        if scope is not None:
                            callers.require_scope(caller, scope)
                        response = view(caller, **kwargs)
                    except ApiError as error:
                        response = error.response()
                response.headers.update(headers)
                return response

            self.blueprint.add_url_rule(rule, view.__name__, wrapped, methods=[method])
            return wrapped

        return decorator
