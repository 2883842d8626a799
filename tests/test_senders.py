"""An organisation's SMS senders and email reply-to addresses: Notify's `sms_sender_id` and
`email_reply_to_id` pick one, the default goes without, an unknown id is a 400, and the
sender is what the client's phone or mailbox shows (the sandbox outbox)."""

from __future__ import annotations

import asyncio
import email
import json
from collections.abc import AsyncIterator
from email import policy
from typing import Any

import httpx
import pytest
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from channels.sandbox import outbox_path
from messenger.messages.recipients import InvalidRecipient
from messenger.messages.senders import clean_value
from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.casework_api_support import errors, keyed
from tests.conftest import make_tenant
from tests.support import EMAIL_TEMPLATE, EMAIL_VALUES, SMS_TEMPLATE, SMS_VALUES, Tenant

SENDERS = "/v2/organisation/senders"


@pytest.mark.parametrize(
    ("kind", "raw", "clean"),
    [
        ("sms", "0470 12 34 56", "+32470123456"),
        ("sms", "+32 470 12 34 56", "+32470123456"),
        ("sms", "OCMW Gent", "OCMW Gent"),
        ("sms", "  OCMW   Gent ", "OCMW Gent"),
        ("sms", "Sociaal1", "Sociaal1"),
        ("email", "Sociale.Dienst@OCMW.be", "Sociale.Dienst@ocmw.be"),
    ],
)
def test_a_sender_is_written_one_way(kind: str, raw: str, clean: str) -> None:
    assert clean_value(kind, raw) == clean


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("sms", "OC"),  # a name needs 3 characters
        ("sms", "OCMW Gent Stad"),  # and at most 11
        ("sms", "09 266 11 11"),  # a landline cannot send text messages
        ("sms", "12345"),  # digits only: not a name, not a number
        ("sms", "OCMW-Gent"),  # a name is letters, digits and spaces
        ("email", "sociale dienst"),
    ],
)
def test_a_sender_that_cannot_be_is_refused(kind: str, raw: str) -> None:
    with pytest.raises(InvalidRecipient) as refused:
        clean_value(kind, raw)
    assert refused.value.field == "value"


@pytest.fixture
async def admin(sessions: Sessions, settings: Settings, tenant: Tenant) -> Tenant:
    return await keyed(sessions, settings, tenant.organisation_id, roles.ADMIN)


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api) as client:
        yield client


async def add(http: httpx.AsyncClient, admin: Tenant, **body: Any) -> dict[str, Any]:
    answer = await http.post(SENDERS, json=body, headers=admin.headers())
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


@pytest.mark.usefixtures("worker")
async def test_the_official_client_picks_a_sender_and_the_client_sees_it(
    http: httpx.AsyncClient, admin: Tenant, tenant: Tenant, settings: Settings
) -> None:
    number = await add(http, admin, kind="sms", value="0460 20 00 01")
    name = await add(http, admin, kind="sms", value="OCMW Gent")
    assert (number["is_default"], name["is_default"]) == (True, False)  # the first SMS sender
    address = await add(http, admin, kind="email", value="sociale.dienst@ocmw.gent.example")
    assert address["is_default"] is False  # replies keep reaching the inbox until chosen

    client = NotificationsAPIClient(tenant.api_key, base_url=str(http.base_url))
    by_name = await asyncio.to_thread(
        client.send_sms_notification, "+32470123456", SMS_TEMPLATE, SMS_VALUES, None, name["id"]
    )
    by_default = await asyncio.to_thread(
        client.send_sms_notification, "+32470123456", SMS_TEMPLATE, SMS_VALUES
    )
    assert by_name["content"]["from_number"] == "OCMW Gent"
    assert by_default["content"]["from_number"] == "+32460200001"
    mail = await asyncio.to_thread(
        client.send_email_notification,
        "sara@example.be",
        EMAIL_TEMPLATE,
        EMAIL_VALUES,
        None,
        address["id"],
    )
    outbox = settings.outbox_dir
    sms_file = await _written(outbox_path(outbox, "sms", by_name["id"]))
    assert json.loads(sms_file)["from"] == "OCMW Gent"
    eml = email.message_from_bytes(
        await _written(outbox_path(outbox, "email", mail["id"])), policy=policy.default
    )
    assert eml["Reply-To"] == "sociale.dienst@ocmw.gent.example"


async def _written(path: Any) -> bytes:
    for _ in range(400):
        if path.exists():
            data: bytes = path.read_bytes()
            return data
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing written to {path.name}")


async def test_an_unknown_or_foreign_sender_is_a_400_as_in_notify(
    http: httpx.AsyncClient,
    admin: Tenant,
    tenant: Tenant,
    sessions: Sessions,
    settings: Settings,
) -> None:
    brugge = await make_tenant(sessions, settings, "OCMW Brugge")
    theirs = await add(
        http, await keyed(sessions, settings, brugge.organisation_id, roles.ADMIN),
        kind="sms", value="0460 20 00 09",
    )  # fmt: skip
    email_sender = await add(http, admin, kind="email", value="sd@ocmw.gent.example")
    client = NotificationsAPIClient(tenant.api_key, base_url=str(http.base_url))
    for sender_id in ("b7c0ffee-0000-4000-8000-000000000000", theirs["id"], email_sender["id"]):
        with pytest.raises(HTTPError) as refused:
            await asyncio.to_thread(
                client.send_sms_notification,
                "+32470123456",
                SMS_TEMPLATE,
                SMS_VALUES,
                None,
                sender_id,
            )
        assert refused.value.status_code == 400
        assert refused.value.message[0]["message"] == (
            f"sms_sender_id {sender_id} does not exist in database for service id "
            f"{tenant.organisation_id}"
        )
    # Nor can Gent see, change or remove Brugge's sender.
    listed = await http.get(SENDERS, headers=admin.headers())
    assert theirs["id"] not in listed.text
    for method in ("PATCH", "DELETE"):
        answer = await http.request(
            method, f"{SENDERS}/{theirs['id']}", json={"is_default": True}, headers=admin.headers()
        )
        assert answer.status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "sms", "value": "09 266 11 11"}, "value Not a mobile number"),
        ({"kind": "email", "value": "niet een adres"}, "value Not a valid email address"),
        ({"kind": "sms", "value": "0460 20 00 01"}, "already a sender of this organisation"),
    ],
)
async def test_a_bad_sender_is_a_400_naming_the_field(
    http: httpx.AsyncClient, admin: Tenant, body: dict[str, str], message: str
) -> None:
    await add(http, admin, kind="sms", value="0460 20 00 01")
    answer = await http.post(SENDERS, json=body, headers=admin.headers())
    assert answer.status_code == 400
    assert any(message in said for said in errors(answer)), answer.text


async def test_only_an_admin_changes_senders_and_the_default_moves(
    http: httpx.AsyncClient, admin: Tenant, tenant: Tenant, sessions: Sessions, settings: Settings
) -> None:
    worker = await keyed(sessions, settings, tenant.organisation_id, roles.SOCIAL_WORKER)
    refused = await http.post(
        SENDERS, json={"kind": "sms", "value": "OCMW Gent"}, headers=worker.headers()
    )
    assert refused.status_code == 403
    first = await add(http, admin, kind="sms", value="OCMW Gent")
    second = await add(http, admin, kind="sms", value="0460 20 00 01")
    moved = await http.patch(
        f"{SENDERS}/{second['id']}", json={"is_default": True}, headers=admin.headers()
    )
    assert moved.json()["is_default"] is True
    gone = await http.delete(f"{SENDERS}/{second['id']}", headers=admin.headers())
    assert gone.status_code == 204
    left = (await http.get(SENDERS, headers=worker.headers())).json()["senders"]
    assert [(s["id"], s["is_default"]) for s in left] == [(first["id"], True)]
