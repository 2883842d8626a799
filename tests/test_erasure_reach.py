"""Erasure reaches everything that names the client: a letter sent through the plain sending
API to their postal address (not linked to them), its copy in the outbox, and an audit row,
also for a client who never had a case."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from channels.sandbox import outbox_path
from messenger.platform.db import Sessions
from messenger.platform.models import AuditEvent, Message, PartnerNotice
from messenger.platform.settings import Settings
from tests.casework_api_support import consent, new_client, new_partner, sharing
from tests.support import Tenant, letter_body, wait_for_status


@pytest.fixture
async def http(api: str, worker: None) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        yield client


async def test_erasure_reaches_a_letter_sent_to_the_clients_address(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions, settings: Settings
) -> None:
    made = await http.post(
        "/v2/clients",
        json={
            "first_name": "Sara",
            "last_name": "Janssens",
            "address": ["Kerkstraat 12 bus 3", "9000 Gent"],
        },
        headers=tenant.headers(),
    )
    client_id = made.json()["id"]
    # Sent by an integrator through Notify's API, written another way: not linked to the client.
    sent = await http.post(
        "/v2/notifications/letter",
        json=letter_body(
            personalisation={
                **letter_body()["personalisation"],
                "address_line_1": "sara  janssens",
                "address_line_2": "Kerkstraat 12 bus 3",
            }
        ),
        headers=tenant.headers(),
    )
    letter_id = sent.json()["id"]
    await wait_for_status(http, tenant, letter_id)
    pdf = outbox_path(settings.outbox_dir, "letter", letter_id)
    assert pdf.exists()
    other_letter = await http.post(
        "/v2/notifications/letter", json=letter_body(personalisation={
            **letter_body()["personalisation"], "address_line_2": "Veldstraat 1",
        }), headers=tenant.headers(),
    )  # fmt: skip
    await wait_for_status(http, tenant, other_letter.json()["id"])

    erased = await http.post(f"/v2/clients/{client_id}/erase", headers=tenant.headers())
    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["messages"] == 1
    assert erased.json()["outbox_files_removed"] == 1
    assert not pdf.exists()
    letter = (await http.get(f"/v2/notifications/{letter_id}", headers=tenant.headers())).json()
    assert "Janssens" not in str(letter) and "Kerkstraat" not in str(letter)
    # Another client's letter at another address is untouched.
    other = await http.get(
        f"/v2/notifications/{other_letter.json()['id']}", headers=tenant.headers()
    )
    assert "Veldstraat 1" in str(other.json())

    async with sessions() as session:
        [audit] = list(await session.scalars(select(AuditEvent)))
    assert (audit.kind, audit.subject_id, audit.recorded_by) == (
        "client-erased",
        client_id,
        "tests",
    )
    assert audit.details["counts"]["clients"] == 1
    assert "Janssens" not in str(audit.details)


async def test_partners_that_saw_the_client_are_told_to_erase_their_copy(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions, settings: Settings
) -> None:
    partner = await new_partner(http, tenant)
    client = await new_client(http, tenant, first_name="Zulfiye", last_name="Vanderbeken")
    shared = await consent(
        http, tenant, client["id"], given=True, method="in-person",
        **sharing(partner["id"], "name", "phone"),
    )  # fmt: skip
    assert shared.status_code == 201, shared.text

    erased = await http.post(f"/v2/clients/{client['id']}/erase", headers=tenant.headers())
    assert erased.status_code == 200, erased.text
    assert (erased.json()["partners_to_inform"], erased.json()["partners_informed"]) == (
        [partner["id"]],
        1,
    )
    async with sessions() as session:
        notices = list(
            await session.scalars(select(PartnerNotice).order_by(PartnerNotice.created_at))
        )
        assert [n.kind for n in notices] == ["shared", "erased"]
        message = await session.get(Message, notices[-1].message_id)
    assert message is not None and message.recipient == partner["notice_email"]
    final = await wait_for_status(http, tenant, message.id)
    assert final["status"] == "delivered"
    mail = outbox_path(settings.outbox_dir, "email", message.id).read_text()
    assert "Gegevens gewist" in mail and "Wis nu ook de gegevens" in mail
    assert "Vanderbeken" not in mail and "Zulfiye" not in mail
