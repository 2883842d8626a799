"""Bad input gets a 400 that names the field and the reason, and nothing is written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from messenger.platform.db import Sessions
from messenger.platform.models import Message, MessageEvent
from tests.support import LETTER_VALUES, SMS_TEMPLATE, Tenant, email_body, letter_body, sms_body


async def _count(sessions: Sessions) -> tuple[int, int]:
    async with sessions() as session:
        messages = await session.scalar(select(func.count()).select_from(Message))
        events = await session.scalar(select(func.count()).select_from(MessageEvent))
    return messages or 0, events or 0


def _without(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in names}


@pytest.mark.parametrize(
    ("path", "body", "error", "fragment"),
    [
        (
            "sms",
            sms_body(personalisation={"voornaam": "Sara"}),
            "BadRequestError",
            "Missing personalisation: moment, plaats_kort, telefoon",
        ),
        ("sms", sms_body(phone_number="09 123 45 67"), "ValidationError", "phone_number"),
        ("sms", sms_body(phone_number="hello"), "ValidationError", "phone_number"),
        (
            "sms",
            _without(sms_body(), "phone_number"),
            "ValidationError",
            "phone_number is a required property",
        ),
        ("sms", sms_body(template_id="not-a-uuid"), "ValidationError", "template_id"),
        (
            "sms",
            sms_body(template_id="00000000-0000-0000-0000-000000000000"),
            "BadRequestError",
            "Template not found",
        ),
        ("sms", sms_body(unexpected=1), "ValidationError", "unexpected was unexpected"),
        ("sms", sms_body(language="de"), "ValidationError", "language"),
        ("email", email_body(email_address="sara@"), "ValidationError", "email_address"),
        (
            "email",
            email_body(template_id=SMS_TEMPLATE),
            "BadRequestError",
            "sms template is not suitable for email notification",
        ),
        (
            "letter",
            letter_body(personalisation=_without(LETTER_VALUES, "address_line_3")),
            "ValidationError",
            "address_line",
        ),
        (
            "letter",
            letter_body(personalisation={**LETTER_VALUES, "address_line_3": "B-9000 Gent"}),
            "ValidationError",
            "address_line_3",
        ),
        (
            "letter",
            letter_body(personalisation={**LETTER_VALUES, "address_line_3": "900 Gent"}),
            "ValidationError",
            "address_line_3",
        ),
        (
            "letter",
            {"template_id": SMS_TEMPLATE},
            "ValidationError",
            "personalisation is a required property",
        ),
    ],
)
async def test_bad_requests_are_400_and_write_nothing(
    api: str,
    tenant: Tenant,
    sessions: Sessions,
    path: str,
    body: dict[str, Any],
    error: str,
    fragment: str,
) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.post(
            f"/v2/notifications/{path}", json=body, headers=tenant.headers()
        )
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["status_code"] == 400
    assert payload["errors"][0]["error"] == error
    assert fragment in " ".join(e["message"] for e in payload["errors"])
    assert await _count(sessions) == (0, 0)


async def test_body_that_is_not_json_is_400(api: str, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.post(
            "/v2/notifications/sms",
            content=b"{not json",
            headers={**tenant.headers(), "Content-Type": "application/json"},
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["error"] == "ValidationError"


async def test_unknown_status_filter_is_400(api: str, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.get(
            "/v2/notifications", params={"status": "lost"}, headers=tenant.headers()
        )
    assert response.status_code == 400
    assert "status lost" in response.json()["errors"][0]["message"]
