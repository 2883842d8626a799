"""ARCHITECTURE.md: a job that runs twice sends once; crashes are not resent blindly; retries
are bounded; the reconciler gets every message to a final state after Redis lost its work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select, update

from channels.base import PermanentError, TransientError
from channels.sandbox import SandboxChannel
from messenger.cli.runner import running_api, running_worker, server_url
from messenger.messages import statuses
from messenger.messages.delivery import Delivery, backoff
from messenger.messages.outbound import ChannelSet
from messenger.platform.db import Sessions
from messenger.platform.models import Message, MessageEvent, utcnow
from messenger.platform.settings import Settings
from tests.channel_doubles import ScriptedChannel, channel_set
from tests.conftest import make_tenant
from tests.support import Tenant, sms_body, wait_for_status

MakeDelivery = Callable[[ChannelSet], Delivery]


@pytest.fixture
async def make_delivery(settings: Settings, sessions: Sessions) -> AsyncIterator[MakeDelivery]:
    """A Delivery over these channels, closed after the test (its SQLite thread)."""
    made: list[Delivery] = []

    def make(channels: ChannelSet) -> Delivery:
        made.append(Delivery(sessions, channels, settings))
        return made[-1]

    yield make
    for delivery in made:
        await delivery.aclose()


def sandbox(settings: Settings) -> dict[str, SandboxChannel]:
    return {
        kind: SandboxChannel(kind, settings.outbox_dir)  # type: ignore[arg-type]
        for kind in ("sms", "email", "letter")
    }


async def _create_sms(settings: Settings, tenant: Tenant) -> str:
    """Accept a message through the real API, with no Redis, so no job exists yet."""
    async with (
        running_api(settings, None) as server,
        httpx.AsyncClient(base_url=server_url(server)) as client,
    ):
        response = await client.post(
            "/v2/notifications/sms", json=sms_body(), headers=tenant.headers()
        )
        assert response.status_code == 201, response.text
        message_id: str = response.json()["id"]
        return message_id


async def _events(sessions: Sessions, message_id: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(MessageEvent.status)
            .where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.id)
        )
        return list(rows)


async def _message(sessions: Sessions, message_id: str) -> Message:
    async with sessions() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        return message


async def test_same_job_twice_at_once_sends_once(
    settings: Settings, sessions: Sessions, tenant: Tenant, make_delivery: MakeDelivery
) -> None:
    message_id = await _create_sms(settings, tenant)
    real = sandbox(settings)
    slow = ScriptedChannel(real["sms"], delay=0.3)
    delivery = make_delivery(channel_set({**real, "sms": slow}, real))  # type: ignore[dict-item]

    outcomes = await asyncio.gather(delivery.run(message_id), delivery.run(message_id))

    assert slow.calls == [message_id]
    assert sorted(o.note for o in outcomes) == ["claimed by another run", "delivered"] or sorted(
        o.note for o in outcomes
    ) == ["being sent by another run", "delivered"]
    assert list((settings.outbox_dir / "sms").iterdir()) == [
        settings.outbox_dir / "sms" / f"{message_id}.json"
    ]
    assert await _events(sessions, message_id) == ["created", "sending", "delivered"]


async def test_rerun_of_a_finished_job_does_nothing(
    settings: Settings, sessions: Sessions, tenant: Tenant, make_delivery: MakeDelivery
) -> None:
    message_id = await _create_sms(settings, tenant)
    real = sandbox(settings)
    counting = ScriptedChannel(real["sms"])
    delivery = make_delivery(channel_set({**real, "sms": counting}, real))  # type: ignore[dict-item]
    await delivery.run(message_id)
    again = await delivery.run(message_id)
    assert again.note == "already delivered"
    assert counting.calls == [message_id]


async def _abandon(sessions: Sessions, message_id: str, minutes_ago: int) -> None:
    """What a worker killed during the provider call leaves behind."""
    async with sessions() as session:
        await session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(
                status=statuses.SENDING,
                attempts=1,
                sending_started_at=utcnow() - timedelta(minutes=minutes_ago),
            )
        )
        await session.commit()


async def test_rerun_after_crash_does_not_resend_blindly(
    settings: Settings, sessions: Sessions, tenant: Tenant, make_delivery: MakeDelivery
) -> None:
    message_id = await _create_sms(settings, tenant)
    await _abandon(sessions, message_id, minutes_ago=10)
    real = sandbox(settings)
    counting = ScriptedChannel(real["sms"])
    delivery = make_delivery(channel_set({**real, "sms": counting}, real))  # type: ignore[dict-item]

    outcome = await delivery.run(message_id)

    assert outcome.note == "technical failure after interrupted send"
    assert counting.calls == []
    assert not (settings.outbox_dir / "sms").exists()
    message = await _message(sessions, message_id)
    assert message.status == statuses.TECHNICAL_FAILURE
    assert message.failure_reason == "interrupted send"


async def test_rerun_after_crash_reconciles_what_the_provider_has(
    settings: Settings, sessions: Sessions, tenant: Tenant, make_delivery: MakeDelivery
) -> None:
    message_id = await _create_sms(settings, tenant)
    real = sandbox(settings)
    # The provider took the message, then the worker died before recording it.
    await make_delivery(ChannelSet(dict(real), dict(real))).run(message_id)  # type: ignore[arg-type]
    async with sessions() as session:
        await session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(
                status=statuses.SENDING,
                provider_reference=None,
                sending_started_at=utcnow() - timedelta(minutes=10),
            )
        )
        await session.commit()
    counting = ScriptedChannel(real["sms"])
    delivery = make_delivery(channel_set({**real, "sms": counting}, real))  # type: ignore[dict-item]

    outcome = await delivery.run(message_id)

    assert outcome.note == "reconciled as delivered"
    assert counting.calls == []
    message = await _message(sessions, message_id)
    assert message.status == statuses.DELIVERED
    assert message.provider_reference == f"sandbox-{message_id}"


async def test_job_within_the_send_lease_leaves_the_message_alone(
    settings: Settings, sessions: Sessions, tenant: Tenant, make_delivery: MakeDelivery
) -> None:
    message_id = await _create_sms(settings, tenant)
    await _abandon(sessions, message_id, minutes_ago=0)
    real = sandbox(settings)
    delivery = make_delivery(ChannelSet(dict(real), dict(real)))  # type: ignore[arg-type]
    outcome = await delivery.run(message_id)
    assert outcome.note == "being sent by another run"
    assert (await _message(sessions, message_id)).status == statuses.SENDING


async def test_transient_errors_retry_through_the_worker_then_deliver(
    settings: Settings, sessions: Sessions, tenant: Tenant, redis_server: str, api: str
) -> None:
    real = sandbox(settings)
    flaky = ScriptedChannel(real["sms"], [TransientError("HTTP 503"), TransientError("timeout")])
    async with (
        running_worker(settings, redis_server, channels=channel_set({**real, "sms": flaky}, real)),
        httpx.AsyncClient(base_url=api) as client,
    ):  # type: ignore[dict-item]
        sent = (
            await client.post("/v2/notifications/sms", json=sms_body(), headers=tenant.headers())
        ).json()
        final = await wait_for_status(client, tenant, sent["id"])
    assert final["status"] == "delivered"
    assert [e["status"] for e in final["events"]] == [
        "created",
        "sending",
        "created",
        "sending",
        "created",
        "sending",
        "delivered",
    ]
    assert "HTTP 503; retry in" in final["events"][2]["detail"]
    assert len(flaky.calls) == 3


async def test_retries_are_bounded(
    settings: Settings, sessions: Sessions, tenant: Tenant, redis_server: str, api: str
) -> None:
    real = sandbox(settings)
    failing = ScriptedChannel(real["sms"], [TransientError("HTTP 503")] * 50)
    async with (
        running_worker(
            settings, redis_server, channels=channel_set({**real, "sms": failing}, real)
        ),
        httpx.AsyncClient(base_url=api) as client,
    ):  # type: ignore[dict-item]
        sent = (
            await client.post("/v2/notifications/sms", json=sms_body(), headers=tenant.headers())
        ).json()
        final = await wait_for_status(client, tenant, sent["id"])
    assert final["status"] == "technical-failure"
    assert len(failing.calls) == settings.max_attempts
    assert "gave up after 5 attempts" in final["events"][-1]["detail"]


async def test_retries_stop_at_the_end_of_the_retry_window(
    settings: Settings, sessions: Sessions, tenant: Tenant, redis_server: str, api: str
) -> None:
    # A window of 5 seconds: the production default (24 h) is a setting, tested here shortened.
    # Long enough for a retry even when a busy machine is slow to take the first attempt.
    window = 5 / 3600
    short = settings.model_copy(
        update={"max_attempts": 1000, "retry_window_hours": window, "retry_max_seconds": 0.2}
    )
    real = sandbox(short)
    failing = ScriptedChannel(real["sms"], [TransientError("HTTP 503")] * 1000)
    async with (
        running_worker(short, redis_server, channels=channel_set({**real, "sms": failing}, real)),
        httpx.AsyncClient(base_url=api) as client,
    ):  # type: ignore[dict-item]
        sent = (
            await client.post("/v2/notifications/sms", json=sms_body(), headers=tenant.headers())
        ).json()
        final = await wait_for_status(client, tenant, sent["id"])
    assert final["status"] == "technical-failure"
    assert 2 <= len(failing.calls) < 1000  # it retried, within the window only
    assert f"over {window:g} h" in final["events"][-1]["detail"]


async def test_permanent_error_stops_at_once(
    settings: Settings, sessions: Sessions, tenant: Tenant, redis_server: str, api: str
) -> None:
    real = sandbox(settings)
    refusing = ScriptedChannel(
        real["sms"], [PermanentError("unsubscribed recipient", code="21610")]
    )
    async with (
        running_worker(
            settings, redis_server, channels=channel_set({**real, "sms": refusing}, real)
        ),
        httpx.AsyncClient(base_url=api) as client,
    ):  # type: ignore[dict-item]
        sent = (
            await client.post("/v2/notifications/sms", json=sms_body(), headers=tenant.headers())
        ).json()
        final = await wait_for_status(client, tenant, sent["id"])
    assert final["status"] == "permanent-failure"
    assert len(refusing.calls) == 1


async def test_test_key_never_reaches_a_provider(
    settings: Settings, sessions: Sessions, redis_server: str, api: str
) -> None:
    tester = await make_tenant(sessions, settings, "OCMW Test", key_type="test")
    real = sandbox(settings)
    provider = ScriptedChannel(
        real["sms"], [PermanentError("a provider was called")], name="twilio"
    )
    async with (
        running_worker(
            settings, redis_server, channels=channel_set({**real, "sms": provider}, real)
        ),
        httpx.AsyncClient(base_url=api) as client,
    ):  # type: ignore[dict-item]
        sent = (
            await client.post("/v2/notifications/sms", json=sms_body(), headers=tester.headers())
        ).json()
        final = await wait_for_status(client, tester, sent["id"])
    assert final["status"] == "delivered"
    assert provider.calls == []
    assert "via sandbox" in final["events"][1]["detail"]


async def test_reconciler_delivers_everything_after_redis_is_flushed(
    settings: Settings, sessions: Sessions, tenant: Tenant, redis_server: str
) -> None:
    # Accepted and queued while no worker runs...
    async with (
        running_api(settings, redis_server) as server,
        httpx.AsyncClient(base_url=server_url(server)) as client,
    ):
        ids = [
            (
                await client.post(
                    "/v2/notifications/sms", json=sms_body(), headers=tenant.headers()
                )
            ).json()["id"]
            for _ in range(5)
        ]
    # ...then Redis loses everything.
    redis = Redis.from_url(redis_server)
    assert await redis.zcard(settings.queue_name) == 5
    await redis.flushdb()
    await redis.aclose()

    async with running_worker(settings, redis_server):
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            async with sessions() as session:
                found = list(
                    await session.scalars(select(Message.status).where(Message.id.in_(ids)))
                )
            if all(s == statuses.DELIVERED for s in found):
                break
            assert asyncio.get_running_loop().time() < deadline, found
            await asyncio.sleep(0.1)
    assert len(list((settings.outbox_dir / "sms").iterdir())) == 5


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [(1, 0.0375, 0.0625), (2, 0.075, 0.125), (3, 0.15, 0.25), (9, 0.15, 0.25)],
)
def test_backoff_doubles_with_jitter_and_is_capped(
    settings: Settings, attempt: int, low: float, high: float
) -> None:
    # settings: base 0.05 s, cap 0.2 s, jitter ±25 %
    delays = [backoff(settings, attempt) for _ in range(50)]
    assert all(low <= d <= high for d in delays)
    assert len(set(delays)) > 1  # jitter: retries of a burst do not line up
