"""The OpenAPI document at /openapi.json (and /docs) says what the API really does: Notify's
JWT bearer scheme on every route that takes a key, Notify's 400 instead of FastAPI's 422,
and 403/429 in Notify's error shape; the documented shape is the one the API answers with."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema
import pytest

from tests.support import Tenant

METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture
async def document(api: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=api) as http:
        answer = await http.get("/openapi.json")
    assert answer.status_code == 200
    found: dict[str, Any] = answer.json()
    return found


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, ops in document["paths"].items()
        for method, operation in ops.items()
        if method in METHODS
    ]


def error_validator(document: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """Checks a body against the documented error shape (refs resolved in the document)."""
    schema = {"$ref": "#/components/schemas/ErrorResponse", "components": document["components"]}
    return jsonschema.Draft202012Validator(schema)


def refers_to_error_shape(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == "#/components/schemas/ErrorResponse")


def test_the_jwt_bearer_scheme_is_declared(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["NotifyJWT"]["type"] == "http"
    assert schemes["NotifyJWT"]["scheme"] == "bearer"
    assert schemes["NotifyJWT"]["bearerFormat"] == "JWT"
    assert "iss" in schemes["NotifyJWT"]["description"]


def test_every_v2_operation_requires_the_key_and_documents_403_and_429(
    document: dict[str, Any],
) -> None:
    v2 = [(m, p, op) for m, p, op in operations(document) if p.startswith("/v2/")]
    assert len(v2) > 50
    for method, path, operation in v2:
        assert operation.get("security") == [{"NotifyJWT": []}], (method, path)
        for status in ("403", "429"):
            assert refers_to_error_shape(operation["responses"][status]), (method, path, status)
        assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_routes_without_a_key_do_not_ask_for_one(document: dict[str, Any]) -> None:
    """Twilio signs its webhooks and the health check is open: no Authorize lock there."""
    for method, path, operation in operations(document):
        if not path.startswith("/v2/"):
            assert "security" not in operation, (method, path)


def test_no_operation_documents_422(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        assert "422" not in operation["responses"], (method, path)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "ValidationError" not in document["components"]["schemas"]


def test_every_operation_with_input_documents_notify_s_400(document: dict[str, Any]) -> None:
    with_input = [
        (method, path, operation)
        for method, path, operation in operations(document)
        if operation.get("parameters") or "requestBody" in operation
    ]
    assert len(with_input) > 40
    for method, path, operation in with_input:
        bad_request = operation["responses"].get("400")
        assert bad_request is not None, (method, path)
        assert refers_to_error_shape(bad_request), (method, path)
    example = document["paths"]["/v2/notifications/sms"]["post"]["responses"]["400"]
    error_validator(document).validate(example["content"]["application/json"]["example"])


def test_a_route_s_own_400_keeps_its_words_and_gains_the_shape(document: dict[str, Any]) -> None:
    imported = document["paths"]["/v2/lac-sessions/{session_id}/import"]["post"]["responses"]
    assert imported["400"]["description"] == "row-by-row errors; nothing imported"
    assert refers_to_error_shape(imported["400"])


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"template_id": "x"}, "ValidationError"),  # phone_number missing
        ({"phone_number": "0470123456", "template_id": "x", "extra": 1}, "ValidationError"),
    ],
)
async def test_the_api_answers_in_the_documented_shape(
    api: str, document: dict[str, Any], tenant: Tenant, body: dict[str, Any], error: str
) -> None:
    validator = error_validator(document)
    async with httpx.AsyncClient(base_url=api) as http:
        refused = await http.post("/v2/notifications/sms", json=body, headers=tenant.headers())
        unsigned = await http.post("/v2/notifications/sms", json=body)
        wrong = await http.post(
            "/v2/notifications/sms", json=body, headers=tenant.headers(secret="0" * 36)
        )
    assert refused.status_code == 400  # never 422
    validator.validate(refused.json())
    assert refused.json()["errors"][0]["error"] == error
    for answer in (unsigned, wrong):
        assert answer.status_code == 403
        validator.validate(answer.json())
        assert answer.json()["errors"][0]["error"] == "AuthError"


async def test_docs_load_with_local_assets_and_this_document(api: str) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        page = await http.get("/docs")
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/static/") for s in sources), sources
        for asset in sources:
            assert (await http.get(asset)).status_code == 200, asset
        init = await http.get("/static/swagger-init.js")
        assert '"/openapi.json"' in init.text
