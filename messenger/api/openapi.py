"""The OpenAPI document (/openapi.json, shown at /docs) as the API really answers.

FastAPI's own document is kept and corrected in three ways:

- the JWT bearer scheme of Notify's API keys is declared, and every operation that takes a
  key requires it (found from its dependencies, deps.api_key), so Swagger UI has an
  Authorize button;
- FastAPI's 422 is gone: Messenger answers bad input with a 400 in Notify's error shape
  (errors.py), and says so on every operation that reads parameters or a body;
- operations that take a key also document 403 (AuthError) and 429 (request limits).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import BaseRoute

from messenger.api import deps

SCHEME = "NotifyJWT"
BEARER = HTTPBearer(
    scheme_name=SCHEME,
    bearerFormat="JWT",
    description=(
        "GOV.UK Notify's API key authentication. An API key `{name}-{organisation_id}-"
        "{secret}` signs a JWT per request: HS256 with the secret, claims `iss` (the "
        "organisation id) and `iat` (now, in seconds; accepted within 30 seconds). Paste the "
        "token itself here; it is sent as `Authorization: Bearer <jwt>`. Notify's client "
        "libraries make it for you."
    ),
    auto_error=False,
)
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# FastAPI's own schemas for its 422, which Messenger never sends.
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")


class Error(BaseModel):
    """One problem. Some answers add fields (a case list's `row` and `column`)."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(
        description="Notify's error name: `ValidationError` or `BadRequestError` for a 400, "
        "`AuthError` for a 403, `RateLimitError` or `TooManyRequestsError` for a 429",
        examples=["ValidationError"],
    )
    message: str = Field(
        description="What is wrong, in one sentence",
        examples=["phone_number is a required property"],
    )


class ErrorResponse(BaseModel):
    """GOV.UK Notify's error body."""

    model_config = ConfigDict(extra="allow")

    status_code: int = Field(description="The HTTP status again", examples=[400])
    errors: list[Error] = Field(min_length=1)


def _example(status: int, error: str, message: str) -> dict[str, Any]:
    return {"status_code": status, "errors": [{"error": error, "message": message}]}


def _error_response(description: str, example: dict[str, Any]) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/ErrorResponse"}
    return {
        "description": description,
        "content": {"application/json": {"schema": schema, "example": example}},
    }


BAD_REQUEST = _error_response(
    "Bad request: `ValidationError` (a field is missing or not valid) or `BadRequestError` "
    "(the request cannot be carried out). Nothing was written.",
    _example(400, "ValidationError", "phone_number is a required property"),
)
FORBIDDEN = _error_response(
    "No valid token, or a key whose role may not do this (`AuthError`)",
    _example(403, "AuthError", "Invalid token: API key not found"),
)
TOO_MANY = {
    **_error_response(
        "Too many requests for this key (`RateLimitError`), too many failed sign-ins from "
        "this address, or the organisation's daily limit for a channel "
        "(`TooManyRequestsError`)",
        _example(
            429,
            "RateLimitError",
            "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
        ),
    ),
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer"},
        }
    },
}


def install(app: FastAPI) -> None:
    """Serve the corrected document from `app.openapi()` (and so /openapi.json and /docs)."""
    fastapi_document: Callable[[], dict[str, Any]] = app.openapi
    done: list[dict[str, Any]] = []

    def document() -> dict[str, Any]:
        # FastAPI caches its document until the routes change; correct each new one once.
        schema = fastapi_document()
        if not done or done[0] is not schema:
            notify_shaped(schema, app.routes)
            done[:] = [schema]
        return schema

    app.openapi = document  # type: ignore[method-assign]  # FastAPI's documented hook


def notify_shaped(schema: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """Correct FastAPI's document in place (see the module's docstring); returns it."""
    keyed = _keyed_operations(routes)
    components = schema.setdefault("components", {})
    security = jsonable_encoder(BEARER.model, by_alias=True, exclude_none=True)
    components.setdefault("securitySchemes", {})[SCHEME] = security
    schemas = components.setdefault("schemas", {})
    models = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(models.pop("$defs", {}))
    schemas["ErrorResponse"] = models
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method in _METHODS:
                _correct(operation, needs_key=(path, method) in keyed)
    for name in _FASTAPI_422:
        if f'"#/components/schemas/{name}"' not in json.dumps(schema):
            schemas.pop(name, None)
    return schema


def _correct(operation: dict[str, Any], *, needs_key: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    validated = responses.pop("422", None) is not None
    if validated or operation.get("parameters") or "requestBody" in operation:
        # A route's own 400 keeps its description and gains the error shape.
        responses["400"] = {**copy.deepcopy(BAD_REQUEST), **responses.get("400", {})}
    if needs_key:
        operation["security"] = [{SCHEME: []}]
        responses.setdefault("403", copy.deepcopy(FORBIDDEN))
        responses.setdefault("429", copy.deepcopy(TOO_MANY))


def _keyed_operations(routes: Iterable[BaseRoute]) -> set[tuple[str, str]]:
    """(path, method) of every API route that authenticates an API key."""
    return {
        (route.path_format, method.lower())
        for route in _api_routes(routes)
        if _takes_key(route.dependant)
        for method in route.methods
    }


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[Any]:
    """Every API route, with its full path. Newer FastAPI keeps an included router whole
    and gives its routes as contexts (what its own get_openapi reads); older FastAPI lists
    the routes themselves."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    for item in contexts(list(routes)) if contexts else routes:
        if isinstance(getattr(item, "original_route", item), APIRoute):
            yield item


def _takes_key(dependant: Dependant) -> bool:
    return dependant.call is deps.api_key or any(_takes_key(sub) for sub in dependant.dependencies)
