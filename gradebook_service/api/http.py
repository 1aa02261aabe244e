"""How the API answers: validated JSON, ETags with 304, private caching, cursors, query parsing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from flask import Response, request
from flask_babel import lazy_gettext as _l

from gradebook_service.api.errors import BadRequest

if TYPE_CHECKING:  # pydantic is imported by the first API request (api/operations.py)
    from pydantic import BaseModel, ValidationError

Q = TypeVar("Q", bound="BaseModel")
T = TypeVar("T")

#: Every answer is about one family: shared caches must not keep it; clients revalidate.
CACHE_CONTROL = "private, no-cache"


def _errors(error: ValidationError) -> list[dict]:
    return [{"loc": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in error.errors(include_url=False, include_input=False)]


def parse_query(model: type[Q]) -> Q:
    """The query string as ``model`` (unknown parameters are refused), or 400."""
    from pydantic import ValidationError

    args = request.args.to_dict(flat=False)
    if any(len(values) > 1 for values in args.values()):
        raise BadRequest(_l("Give each query parameter once."))
    try:
        return model.model_validate({k: v[0] for k, v in args.items()})
    except ValidationError as error:
        raise BadRequest(_l("The query parameters are invalid."), errors=_errors(error)) from None


def parse_body(model: type[Q]) -> Q:
    """The JSON body as ``model``, or 400."""
    from pydantic import ValidationError

    if not request.is_json:
        raise BadRequest(_l("Send a JSON body (Content-Type: application/json)."))
    try:
        return model.model_validate_json(request.get_data(cache=True))
    except ValidationError as error:
        raise BadRequest(_l("The body is invalid."), errors=_errors(error)) from None


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison against each listed tag (or ``*``)."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def json_response(model: BaseModel, status: int = 200) -> Response:
    """``model`` as JSON (aliases, ISO dates); a read carries an ETag and answers 304 to a match."""
    body = model.model_dump_json(by_alias=True).encode()
    etag = _etag(body)
    if request.method == "GET" and _matches(request.headers.get("If-None-Match", ""), etag):
        response = Response(status=304)
    else:
        response = Response(body, status=status, mimetype="application/json")
    if request.method == "GET":
        response.headers["ETag"] = etag
    response.headers["Cache-Control"] = CACHE_CONTROL if request.method == "GET" else "no-store"
    response.headers["Vary"] = "Authorization"
    return response


def encode_cursor(key: Sequence) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def invalid_cursor() -> BadRequest:
    """The refusal of a cursor the API did not issue (or issued for another list)."""
    return BadRequest(_l("The cursor is invalid: pass next_cursor from the previous page."))


def decode_cursor(cursor: str) -> list:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid_cursor() from None
    if not isinstance(key, list) or not all(isinstance(v, int | str) for v in key):
        raise invalid_cursor()
    return key


def paginate(items: list[T], key: Callable[[T], tuple], cursor: str | None,
             limit: int) -> tuple[list[T], str | None]:
    """One page of ``items`` in ``key`` order after the cursor's key, and the next cursor.

    The cursor names the last item shown, not a position, so an item added or removed
    meanwhile neither repeats nor skips the items around it.
    """
    items = sorted(items, key=key)
    after = decode_cursor(cursor) if cursor else None
    if after is not None:
        try:
            items = [item for item in items if list(key(item)) > after]
        except TypeError:
            raise invalid_cursor() from None
    page = items[:limit]
    more = len(items) > limit
    return page, (encode_cursor(key(page[-1])) if more else None)
