"""RFC 9457 problem details: how every JSON API of both services reports an error."""

from __future__ import annotations

from flask import Response, json


def problem_response(status: int, title: str, detail: str | None = None, **extra) -> Response:
    """Return an ``application/problem+json`` response."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")
