"""GOV.UK Notify's official Python client, unchanged, against a running Messenger."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from messenger.messages import statuses
from tests.support import (
    EMAIL_TEMPLATE,
    EMAIL_VALUES,
    LETTER_TEMPLATE,
    LETTER_VALUES,
    SMS_TEMPLATE,
    SMS_VALUES,
    Tenant,
)

pytestmark = pytest.mark.usefixtures("worker")


async def _final(client: NotificationsAPIClient, message_id: str) -> dict[str, Any]:
    for _ in range(400):
        found: dict[str, Any] = await asyncio.to_thread(client.get_notification_by_id, message_id)
        if statuses.settled(found["status"]):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{message_id} did not finish")


async def test_official_client_sends_all_three_and_reads_status(api: str, tenant: Tenant) -> None:
    client = NotificationsAPIClient(tenant.api_key, base_url=api)

    sms = await asyncio.to_thread(
        client.send_sms_notification, "+32470123456", SMS_TEMPLATE, SMS_VALUES, "ref-sms"
    )
    email = await asyncio.to_thread(
        client.send_email_notification, "sara@example.be", EMAIL_TEMPLATE, EMAIL_VALUES
    )
    letter = await asyncio.to_thread(
        client.send_letter_notification, LETTER_TEMPLATE, LETTER_VALUES, "ref-letter"
    )

    assert sms["reference"] == "ref-sms"
    assert sms["template"]["id"] == SMS_TEMPLATE
    assert email["content"]["subject"]
    assert letter["content"]["body"].startswith("Beste Sara Janssens")

    assert (await _final(client, sms["id"]))["status"] == "delivered"
    assert (await _final(client, email["id"]))["status"] == "delivered"
    final_letter = await _final(client, letter["id"])
    assert final_letter["status"] == "received"
    assert final_letter["line_1"] == "Sara Janssens"

    every = await asyncio.to_thread(lambda: list(client.get_all_notifications_iterator()))
    assert {n["id"] for n in every} == {sms["id"], email["id"], letter["id"]}
    only_sms = await asyncio.to_thread(client.get_all_notifications, template_type="sms")
    assert [n["id"] for n in only_sms["notifications"]] == [sms["id"]]


async def test_official_client_reads_templates_and_previews(api: str, tenant: Tenant) -> None:
    client = NotificationsAPIClient(tenant.api_key, base_url=api)
    template = await asyncio.to_thread(client.get_template, SMS_TEMPLATE)
    assert template["type"] == "sms"
    assert set(template["personalisation"]) == set(SMS_VALUES)
    version = await asyncio.to_thread(
        client.get_template_version, SMS_TEMPLATE, template["version"]
    )
    assert version["body"] == template["body"]
    every = await asyncio.to_thread(client.get_all_templates)
    assert {t["id"] for t in every["templates"]} >= {SMS_TEMPLATE, EMAIL_TEMPLATE, LETTER_TEMPLATE}
    letters = await asyncio.to_thread(client.get_all_templates, "letter")
    assert LETTER_TEMPLATE in [t["id"] for t in letters["templates"]]
    assert {t["type"] for t in letters["templates"]} == {"letter"}
    preview = await asyncio.to_thread(client.post_template_preview, SMS_TEMPLATE, SMS_VALUES)
    assert preview["body"].startswith("Dag Sara, denkt u aan uw LAC-gesprek?")


async def test_official_client_sees_notify_errors(api: str, tenant: Tenant) -> None:
    client = NotificationsAPIClient(tenant.api_key, base_url=api)
    with pytest.raises(HTTPError) as raised:
        await asyncio.to_thread(
            client.send_sms_notification, "+32470123456", SMS_TEMPLATE, {"voornaam": "Sara"}
        )
    assert raised.value.status_code == 400
    assert raised.value.message[0]["message"].startswith("Missing personalisation")
