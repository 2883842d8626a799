"""Every response shape of Messenger's v2 endpoints, checked against the JSON schemas of
Notify's official Python client (`python/integration_test/schemas/v2/`, as published): where
Messenger adds something, it may not be where Notify's schemas forbid extra fields."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator

from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.notify_suites.support import EMAIL, NUMBER, prepare, python_suite
from tests.support import LETTER_TEMPLATE, LETTER_VALUES, Tenant, wait_for_status

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def schemas() -> Iterator[dict[str, Any]]:
    with python_suite():
        from integration_test.schemas.v2 import (  # type: ignore[import-not-found]
            inbound_sms_schemas,
            notification_schemas,
            template_schemas,
            templates_schemas,
        )

        yield {
            **vars(inbound_sms_schemas),
            **vars(notification_schemas),
            **vars(template_schemas),
            **vars(templates_schemas),
        }


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        yield client


def valid(answer: httpx.Response, schema: dict[str, Any], status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    errors = [e.message for e in Draft4Validator(schema).iter_errors(body)]
    assert errors == [], f"{answer.request.method} {answer.request.url.path}: {errors}"
    return body


async def test_every_response_shape_fits_notifys_schemas(
    api: str,
    http: httpx.AsyncClient,
    sessions: Sessions,
    settings: Settings,
    tenant: Tenant,
    schemas: dict[str, Any],
) -> None:
    ids = await prepare(api, sessions, settings, tenant)
    h = tenant.headers
    sms = valid(
        await http.post("/v2/notifications/sms", headers=h(), json={
            "phone_number": NUMBER, "template_id": ids["SMS_TEMPLATE_ID"],
            "personalisation": {"name": "Sara"}, "sms_sender_id": ids["SMS_SENDER_ID"],
        }),
        schemas["post_sms_response"], 201,
    )  # fmt: skip
    assert sms["content"]["from_number"] == "+32460200001"
    email = valid(
        await http.post("/v2/notifications/email", headers=h(), json={
            "email_address": EMAIL, "template_id": ids["EMAIL_TEMPLATE_ID"],
            "personalisation": {"name": "[klik](https://evil.example) Sara-Lou"},
            "sanitise_content_for": ["name"],
            "one_click_unsubscribe_url": "https://ocmw.gent.example/uit",
        }),
        schemas["post_email_response"], 201,
    )  # fmt: skip
    assert email["sanitised_content"]["name"]["sanitised"] == r"\[klik\]\(\) Sara\-Lou"
    assert email["content"]["one_click_unsubscribe_url"] == "https://ocmw.gent.example/uit"
    plain = valid(
        await http.post("/v2/notifications/email", headers=h(), json={
            "email_address": EMAIL, "template_id": ids["EMAIL_TEMPLATE_ID"],
            "personalisation": {"name": "Sara"},
        }),
        schemas["post_email_response"], 201,
    )  # fmt: skip
    assert plain["sanitised_content"] == {}
    letter = valid(
        await http.post("/v2/notifications/letter", headers=h(), json={
            "template_id": LETTER_TEMPLATE, "personalisation": LETTER_VALUES,
        }),
        schemas["post_letter_response"], 201,
    )  # fmt: skip
    for sent in (sms, email, letter):
        await wait_for_status(http, tenant, sent["id"])
        valid(await http.get(f"/v2/notifications/{sent['id']}", headers=h()),
              schemas["get_notification_response"])  # fmt: skip
    page = valid(await http.get("/v2/notifications", headers=h()),
                 schemas["get_notifications_response"])  # fmt: skip
    assert "next" in page["links"]
    last = page["notifications"][-1]["id"]
    empty = valid(await http.get(f"/v2/notifications?older_than={last}", headers=h()),
                  schemas["get_notifications_response"])  # fmt: skip
    assert empty["notifications"] == [] and "next" not in empty["links"]
    unknown = valid(
        await http.get("/v2/notifications?older_than=0d4c3f7e-0000-4000-8000-000000000000",
                       headers=h()),
        schemas["get_notifications_response"],
    )  # fmt: skip
    assert unknown["notifications"] == []  # as in Notify: an empty page, not a 404
    for kind in ("SMS", "EMAIL", "LETTER"):
        template_id = ids[f"{kind}_TEMPLATE_ID"]
        one = valid(await http.get(f"/v2/template/{template_id}", headers=h()),
                    schemas["get_template_by_id_response"])  # fmt: skip
        valid(await http.get(f"/v2/template/{template_id}/version/1", headers=h()),
              schemas["get_template_by_id_response"])  # fmt: skip
        assert one["name"] == f"Suite {kind.lower() if kind != 'SMS' else 'SMS'}"
        if kind != "LETTER":
            valid(await http.post(f"/v2/template/{template_id}/preview", headers=h(),
                                  json={"personalisation": {"name": "Sara"}}),
                  schemas["post_template_preview_response"])  # fmt: skip
    for kind in ("", "?type=sms", "?type=email", "?type=letter"):
        listed = valid(await http.get(f"/v2/templates{kind}", headers=h()),
                       schemas["get_all_template_response"])  # fmt: skip
        assert "card" not in {t["type"] for t in listed["templates"]}
    texts = valid(await http.get("/v2/received-text-messages", headers=h()),
                  schemas["get_inbound_sms_response"])  # fmt: skip
    assert texts["received_text_messages"]
    beyond = texts["received_text_messages"][-1]["id"]
    valid(await http.get(f"/v2/received-text-messages?older_than={beyond}", headers=h()),
          schemas["get_inbound_sms_response"])  # fmt: skip
