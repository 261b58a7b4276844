"""OpenAPI conventions: error responses, descriptions and the token scheme.

``postprocess`` documents on every operation the errors it can really give
(401 and 403 everywhere, 404 on lists (a page past the end) and on objects,
400 where input is read, 409 on writes, whose state may have moved on) as
problem details, and the ``API-Version`` header on every response.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema

from .errors import PROBLEM_CONTENT_TYPE

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `invalid_params` lists each field with its reason.",
    "401": "No valid session or token: log in or send `Authorization: Bearer <token>`.",
    "403": "Authenticated, but this role may not do this (or the token is read only).",
    "404": "No such object among those you may see (objects of another organisation "
    "are not found either), or a page past the last one.",
    "409": "The object's current state does not allow this: it changed meanwhile, "
    "or the action does not apply to its status.",
}

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Problem details (RFC 9457).",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "Identifies the problem type."},
        "title": {"type": "string", "description": "Short summary of the problem type."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "code": {"type": "string", "description": "Machine-readable error code."},
        "instance": {"type": "string", "description": "The path of the request."},
        "invalid_params": {
            "type": "array",
            "description": "For invalid input: one entry per problem with a field.",
            "items": {
                "type": "object",
                "required": ["name", "code", "reason"],
                "properties": {
                    "name": {
                        "type": "string",
                        "description": "The field, dotted for nested fields; "
                        "`non_field_errors` for the input as a whole.",
                    },
                    "code": {"type": "string", "description": "Machine-readable error code."},
                    "reason": {"type": "string", "description": "The problem, for a person."},
                },
            },
        },
    },
}

VERSION_HEADER = {
    "API-Version": {
        "description": "The full version of the API that answered.",
        "schema": {"type": "string", "example": "1.0.0"},
    }
}


class AutoSchema(BaseAutoSchema):
    """Falls back to a field's label where it has no help text, so every field is described."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(result, dict) and "description" not in result and "$ref" not in result:
            label = getattr(field, "label", None)
            if label:
                result["description"] = str(label)
        return result


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, made on the page API tokens: "
            "`Authorization: Bearer al_…`.",
        }


def _statuses_for(path: str, method: str) -> list[str]:
    statuses = ["401", "403"]
    is_detail = "{" in path
    if method in {"post", "put", "patch"}:
        statuses.append("400")
    if method == "get" and not is_detail:
        statuses += ["400", "404"]  # invalid filter; page past the end
    if is_detail:
        statuses.append("404")
    if method in {"post", "put", "patch", "delete"}:
        statuses.append("409")
    return statuses


def postprocess(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and not parameter.get("description"):
                    parameter["description"] = "Identifier of the object."
                if parameter.get("name") == "format" and not parameter.get("description"):
                    parameter["description"] = (
                        "The response format; usually chosen with the Accept header instead."
                    )
            responses = operation.setdefault("responses", {})
            for status_code in _statuses_for(path, method):
                responses.setdefault(
                    status_code,
                    {
                        "description": ERROR_DESCRIPTIONS[status_code],
                        "content": {PROBLEM_CONTENT_TYPE: {"schema": problem_ref}},
                    },
                )
            for response in responses.values():
                response.setdefault("headers", {}).update(VERSION_HEADER)
    result["info"]["version"] = settings.API_VERSION
    return result
