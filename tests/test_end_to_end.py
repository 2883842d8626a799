"""The whole path over HTTP with a real arq worker and Redis: API -> queue -> outbox."""

from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path

import httpx
import pdfplumber
import pytest

from messenger.platform.settings import Settings
from tests.support import Tenant, email_body, letter_body, sms_body, wait_for_status

pytestmark = pytest.mark.usefixtures("worker")


async def test_sms_reaches_the_outbox_and_is_delivered(
    api: str, tenant: Tenant, settings: Settings
) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.post(
            "/v2/notifications/sms", json=sms_body(reference="r-1"), headers=tenant.headers()
        )
        assert response.status_code == 201, response.text
        sent = response.json()
        assert sent["reference"] == "r-1"
        assert sent["uri"] == f"http://messenger.test/v2/notifications/{sent['id']}"
        assert "dinsdag 8 december 2026 om 10 uur" in sent["content"]["body"]
        final = await wait_for_status(client, tenant, sent["id"])

    assert final["status"] == "delivered"
    assert final["phone_number"] == "+32470123456"
    assert [e["status"] for e in final["events"]] == ["created", "sending", "delivered"]
    assert final["sent_at"] and final["completed_at"]
    stored = json.loads((settings.outbox_dir / "sms" / f"{sent['id']}.json").read_text())
    assert stored["to"] == "+32470123456"
    assert stored["body"] == sent["content"]["body"]


async def test_email_is_a_real_rfc822_file(api: str, tenant: Tenant, settings: Settings) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.post(
            "/v2/notifications/email", json=email_body(), headers=tenant.headers()
        )
        assert response.status_code == 201, response.text
        sent = response.json()
        assert sent["content"]["subject"] == "Uitnodiging voor een gesprek bij het OCMW"
        final = await wait_for_status(client, tenant, sent["id"])

    assert final["status"] == "delivered"
    raw = (settings.outbox_dir / "email" / f"{sent['id']}.eml").read_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["To"] == "sara@example.be"
    assert parsed["Subject"] == "Uitnodiging voor een gesprek bij het OCMW"
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert plain is not None and "Dag Sara" in plain.get_content()
    assert html is not None and "<p>Dag Sara,</p>" in html.get_content()


async def test_letter_is_a_pdf_with_the_address(
    api: str, tenant: Tenant, settings: Settings
) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.post(
            "/v2/notifications/letter", json=letter_body(), headers=tenant.headers()
        )
        assert response.status_code == 201, response.text
        sent = response.json()
        final = await wait_for_status(client, tenant, sent["id"])

    assert final["status"] == "received"
    assert final["line_3"] == "9000 Gent" and final["postcode"] == "9000"
    pdf: Path = settings.outbox_dir / "letters" / f"{sent['id']}.pdf"
    with pdfplumber.open(pdf) as document:
        text = document.pages[0].extract_text()
    assert "Kerkstraat 12 bus 3" in text
    assert "Lokale Adviescommissie" in " ".join(text.split())


async def test_list_filters_and_pages(api: str, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        ids = []
        for n in range(3):
            response = await client.post(
                "/v2/notifications/sms",
                json=sms_body(reference=f"batch-{n}"),
                headers=tenant.headers(),
            )
            ids.append(response.json()["id"])
        await client.post("/v2/notifications/email", json=email_body(), headers=tenant.headers())
        for message_id in ids:
            await wait_for_status(client, tenant, message_id)

        listed = (
            await client.get(
                "/v2/notifications", params={"template_type": "sms"}, headers=tenant.headers()
            )
        ).json()
        assert [n["id"] for n in listed["notifications"]] == list(reversed(ids))
        assert listed["links"]["current"] == (
            "http://messenger.test/v2/notifications?template_type=sms"
        )
        assert listed["links"]["next"] == (
            f"http://messenger.test/v2/notifications?template_type=sms&older_than={ids[0]}"
        )
        last_page = (
            await client.get(
                "/v2/notifications",
                params={"older_than": ids[0], "template_type": "sms"},
                headers=tenant.headers(),
            )
        ).json()
        assert last_page["notifications"] == []
        assert "next" not in last_page["links"] or last_page["links"]["next"] is None

        older = (
            await client.get(
                "/v2/notifications",
                params={"older_than": ids[2], "template_type": "sms"},
                headers=tenant.headers(),
            )
        ).json()
        assert [n["id"] for n in older["notifications"]] == [ids[1], ids[0]]

        by_ref = (
            await client.get(
                "/v2/notifications", params={"reference": "batch-1"}, headers=tenant.headers()
            )
        ).json()
        assert [n["id"] for n in by_ref["notifications"]] == [ids[1]]

        delivered = (
            await client.get(
                "/v2/notifications", params={"status": "delivered"}, headers=tenant.headers()
            )
        ).json()
        assert len(delivered["notifications"]) >= 3
        failed = (
            await client.get(
                "/v2/notifications", params={"status": "failed"}, headers=tenant.headers()
            )
        ).json()
        assert failed["notifications"] == []
