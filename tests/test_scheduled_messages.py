"""Notify's `scheduled_for`: a message asked for later, up to 7 days ahead, in Brussels time
when no offset is given, moved out of the organisation's quiet hours; cancelled while it
waits. The API's clock is a fixed Tuesday morning a week before the tests were written, so the
answers do not depend on today, and a moment it schedules has come for the worker."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from messenger.platform.clock import Clock, SimulatedClock
from messenger.platform.dates import BRUSSELS
from tests.casework_api_support import errors
from tests.support import Tenant, email_body, sms_body, wait_for_status

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=BRUSSELS)  # a Tuesday, messages may go out


@pytest.fixture
def clock() -> Clock:
    return SimulatedClock(NOW.astimezone(UTC))


@pytest.fixture
async def http(api: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=api, timeout=30)


@pytest.mark.parametrize(
    ("asked", "goes"),
    [
        ("2026-11-24 14:00", "2026-11-24T13:00:00.000000Z"),  # Brussels time, written plainly
        ("2026-11-24T14:00:00+01:00", "2026-11-24T13:00:00.000000Z"),
        ("2026-11-24T13:00:00Z", "2026-11-24T13:00:00.000000Z"),
        ("2026-11-24 22:30", "2026-11-25T08:00:00.000000Z"),  # quiet hours: 09:00 next day
        ("2026-11-29 11:00", "2026-11-30T08:00:00.000000Z"),  # a Sunday: Monday 09:00
        ("2026-11-24 09:29:30", "2026-11-24T08:30:00.000000Z"),  # a moment ago: now
    ],
)
async def test_a_scheduled_message_goes_at_the_next_moment_it_may(
    http: httpx.AsyncClient, tenant: Tenant, asked: str, goes: str
) -> None:
    sent = await http.post(
        "/v2/notifications/sms", json=sms_body(scheduled_for=asked), headers=tenant.headers()
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["scheduled_for"] == goes
    found = await http.get(f"/v2/notifications/{sent.json()['id']}", headers=tenant.headers())
    assert (found.json()["status"], found.json()["scheduled_for"]) == ("created", goes)


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("2026-11-24 09:00", "cannot be in the past"),
        ("2026-12-01 09:31", "only be up to 7 days in the future"),
        ("volgende dinsdag", "not a date and time"),
    ],
)
async def test_a_moment_that_cannot_be_is_a_400_and_nothing_is_stored(
    http: httpx.AsyncClient, tenant: Tenant, asked: str, message: str
) -> None:
    refused = await http.post(
        "/v2/notifications/email", json=email_body(scheduled_for=asked), headers=tenant.headers()
    )
    assert refused.status_code == 400
    assert any(message in said and "scheduled_for" in said for said in errors(refused))
    listed = await http.get("/v2/notifications", headers=tenant.headers())
    assert listed.json()["notifications"] == []


async def test_a_scheduled_message_can_be_cancelled_while_it_waits(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    sent = await http.post(
        "/v2/notifications/sms",
        json=sms_body(scheduled_for="2026-11-26 10:00"),
        headers=tenant.headers(),
    )
    message_id = sent.json()["id"]
    cancelled = await http.post(f"/v2/notifications/{message_id}/cancel", headers=tenant.headers())
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    again = await http.post(f"/v2/notifications/{message_id}/cancel", headers=tenant.headers())
    assert again.status_code == 400 and "this one is cancelled" in errors(again)[0]


@pytest.mark.usefixtures("worker")
async def test_a_message_sent_at_once_cannot_be_cancelled_and_a_due_one_goes(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    # The API's clock is in the past: the moment asked for has come for the worker.
    due = await http.post(
        "/v2/notifications/sms",
        json=sms_body(scheduled_for="2026-11-24 10:00"),
        headers=tenant.headers(),
    )
    assert (await wait_for_status(http, tenant, due.json()["id"]))["status"] == "delivered"
    at_once = await http.post("/v2/notifications/sms", json=sms_body(), headers=tenant.headers())
    refused = await http.post(
        f"/v2/notifications/{at_once.json()['id']}/cancel", headers=tenant.headers()
    )
    assert refused.status_code == 400
    assert "only a scheduled notification" in errors(refused)[0]


async def test_another_organisation_cannot_cancel_it(
    http: httpx.AsyncClient, tenant: Tenant, sessions: object, settings: object
) -> None:
    from tests.conftest import make_tenant

    sent = await http.post(
        "/v2/notifications/sms",
        json=sms_body(scheduled_for="2026-11-26 10:00"),
        headers=tenant.headers(),
    )
    other = await make_tenant(sessions, settings, "OCMW Brugge")  # type: ignore[arg-type]
    refused = await http.post(
        f"/v2/notifications/{sent.json()['id']}/cancel", headers=other.headers()
    )
    assert refused.status_code == 404
    found = await http.get(f"/v2/notifications/{sent.json()['id']}", headers=tenant.headers())
    assert found.json()["status"] == "created"
