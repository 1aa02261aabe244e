"""The ``/api/v1`` blueprint and its operation registry, shared by the view modules.

Kept apart from the views so each group of endpoints (per pupil in ``views.py``, the
account's messages in ``messages.py``) declares its operations on the same list, which
the OpenAPI document is made from.
"""

from __future__ import annotations

from flask import Blueprint

from gradebook_service.api.errors import ApiError
from gradebook_service.api.operations import OperationRegistry
from gradebook_service.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates",
               static_folder="static")
csrf.exempt(bp)  # bearer tokens, no cookies: CSRF does not apply
operation = OperationRegistry(bp)


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return error.response()
