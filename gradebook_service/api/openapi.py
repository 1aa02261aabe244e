"""The OpenAPI 3.1 document, made from the registered operations and their pydantic models.

Imported by the document's view when it is first asked for (with pydantic).
"""

from __future__ import annotations

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from gradebook_service.api.operations import Operation, model
from gradebook_service.api.schemas import Problem

REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_TEXT = {400: "The query or body is invalid.",
              401: "No valid access token (see WWW-Authenticate).",
              403: "The token lacks the scope (error=\"insufficient_scope\").",
              404: "No such pupil, account or thread for this token.",
              422: "The register refused the request.",
              429: "Too many requests (see RateLimit and Retry-After)."}


def _query_schema(prop: dict) -> dict:
    """A query parameter's schema: an optional one is left out, never sent as ``null``."""
    schema = {k: v for k, v in prop.items() if k not in ("title", "description", "default")}
    options = [o for o in schema.pop("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    if "default" in prop and prop["default"] is not None:
        schema["default"] = prop["default"]
    return schema


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(by_alias=True, mode="validation")
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required,
             "schema": _query_schema(prop),
             **({"description": prop["description"]} if "description" in prop else {})}
            for name, prop in schema["properties"].items()]


def _json(ref: str) -> dict:
    return {"schema": {"$ref": ref}}


def build_document(operations: list[Operation], server_url: str, discovery_url: str) -> dict:
    """The OpenAPI document of ``operations`` served under ``server_url``."""
    response_of = {op: model(op.response) for op in operations}
    body_of = {op: model(op.body) for op in operations}
    models = {m for m in response_of.values() if m is not None} | {Problem}
    models |= {m for m in body_of.values() if m is not None}
    refs, definitions = models_json_schema(
        [(m, "serialization") for m in models] + [
            (m, "validation") for m in body_of.values() if m is not None],
        by_alias=True, ref_template=REF_TEMPLATE)
    paths: dict[str, dict] = {}
    for op in operations:
        content = ({op.media_type: _json(refs[(response_of[op], "serialization")]["$ref"])}
                   if op.response is not None else {op.media_type: {"schema": {}}})
        responses = {str(op.status): {"description": op.summary, "content": content}}
        if op.method == "GET":
            responses["304"] = {"description": "Not modified (If-None-Match matched the ETag)."}
        for status in op.errors:
            responses[str(status)] = {
                "description": ERROR_TEXT[status],
                "content": {"application/problem+json": _json(
                    refs[(Problem, "serialization")]["$ref"])}}
        entry: dict = {"operationId": op.name, "summary": op.summary, "responses": responses}
        parameters = [{"name": name, "in": "path", "required": True,
                       "schema": {"type": "string", "maxLength": 32}}
                      for name in op.path_params]
        if op.query is not None:
            parameters += _query_parameters(model(op.query))
        if op.method == "GET":
            parameters.append({"name": "If-None-Match", "in": "header", "required": False,
                               "schema": {"type": "string"}})
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {
                "application/json": _json(refs[(body_of[op], "validation")]["$ref"])}}
        entry["security"] = [{"idp": [op.scope] if op.scope else []}]
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "E-dziennik API", "version": "1",
                 "description": "The school register's data for other school apps, on behalf of "
                                "a signed-in parent or pupil. Tokens come from the identity "
                                "provider (authorization code with PKCE). Messages belong "
                                "to a school account, not to a pupil: the /messages paths "
                                "take `account` (a pupil's `account` in /me) when the token "
                                "speaks for more than one account. Error texts are Polish, "
                                "or English with Accept-Language: en; decide on `type` and "
                                "`status`, which never change."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            # The IdP's discovery document names its endpoints and the scopes (5.2, 5.5).
            "securitySchemes": {"idp": {"type": "openIdConnect",
                                        "openIdConnectUrl": discovery_url}},
        },
    }
