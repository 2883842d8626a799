"""`one_click_unsubscribe_url` (Notify): echoed in the answer and sent as RFC 8058's
List-Unsubscribe and List-Unsubscribe-Post headers; https only."""

from __future__ import annotations

import asyncio
import email
from email import policy

import httpx
import pytest

from channels.sandbox import outbox_path
from messenger.platform.settings import Settings
from tests.casework_api_support import errors
from tests.support import Tenant, email_body, wait_for_status

URL = "https://ocmw.gent.example/afmelden?id=42"


@pytest.mark.usefixtures("worker")
async def test_the_email_carries_the_unsubscribe_headers(
    api: str, tenant: Tenant, settings: Settings
) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        sent = await http.post(
            "/v2/notifications/email",
            json=email_body(one_click_unsubscribe_url=URL),
            headers=tenant.headers(),
        )
        assert sent.status_code == 201, sent.text
        assert sent.json()["content"]["one_click_unsubscribe_url"] == URL
        await wait_for_status(http, tenant, sent.json()["id"])
    path = outbox_path(settings.outbox_dir, "email", sent.json()["id"])
    mail = email.message_from_bytes(await asyncio.to_thread(path.read_bytes), policy=policy.default)
    assert mail["List-Unsubscribe"] == f"<{URL}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_without_it_there_is_no_such_header(
    api: str, tenant: Tenant, settings: Settings, worker: object
) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        sent = await http.post(
            "/v2/notifications/email", json=email_body(), headers=tenant.headers()
        )
        assert sent.json()["content"]["one_click_unsubscribe_url"] is None
        await wait_for_status(http, tenant, sent.json()["id"])
    path = outbox_path(settings.outbox_dir, "email", sent.json()["id"])
    assert "List-Unsubscribe" not in path.read_text()


@pytest.mark.parametrize("url", ["http://ocmw.gent.example/uit", "mailto:uit@ocmw.be", "uit"])
async def test_an_unsubscribe_address_must_be_https(api: str, tenant: Tenant, url: str) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        refused = await http.post(
            "/v2/notifications/email",
            json=email_body(one_click_unsubscribe_url=url),
            headers=tenant.headers(),
        )
    assert refused.status_code == 400
    assert any("one_click_unsubscribe_url" in e for e in errors(refused)), refused.text
