"""SMS end to end: API -> Redis -> worker -> the real twilio SDK -> a local Twilio-compatible
server, and back through its signed status callbacks. Real API over HTTP,
real arq worker, Redis and database; nothing of ours is mocked."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import update
from twilio.request_validator import RequestValidator

from messenger.cli.runner import running_api, server_url
from messenger.messages.rate_limit import RateLimiter
from messenger.platform.db import Sessions
from messenger.platform.models import Message
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.sms_support import (
    PHONE,
    SDK_WARNINGS,
    SENDER,
    Rig,
    eventually,
    receipt_params,
    twilio_rig,
)
from tests.support import Tenant, sms_body

pytestmark = pytest.mark.filterwarnings(SDK_WARNINGS)
SERVICE = "MG" + "0" * 32


@pytest.fixture
async def rig(settings: Settings, sessions: Sessions, redis_server: str) -> AsyncIterator[Rig]:
    async with twilio_rig(settings, sessions, redis_server) as running:
        yield running


# -- 1. sending -----------------------------------------------------------------------------


@pytest.mark.parametrize("service", [False, True], ids=["from-number", "messaging-service"])
async def test_sms_goes_from_the_api_through_the_worker_to_twilio(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant, service: bool
) -> None:
    sender: dict[str, Any] = {"twilio_from_number": None, "twilio_messaging_service_sid": SERVICE}
    async with twilio_rig(settings, sessions, redis_server, **(sender if service else {})) as rig:
        message_id = await rig.send(tenant)
        sid = await rig.sid_of(message_id)
        found = await rig.notification(tenant, message_id)

    assert found["status"] == "sending"
    assert found["phone_number"] == PHONE
    assert sid.startswith("SM") and sid in rig.fake.messages
    [post] = rig.fake.posts
    assert post.authorised
    assert post.path == f"/2010-04-01/Accounts/{rig.fake.account_sid}/Messages.json"
    assert post.form["To"] == PHONE
    assert post.form["Body"] == found["body"]
    assert post.form["StatusCallback"] == (
        f"{rig.url}/webhooks/twilio/status?message_id={message_id}"
    )
    if service:
        assert post.form["MessagingServiceSid"] == SERVICE
        assert "From" not in post.form
    else:
        assert post.form["From"] == SENDER
        assert "MessagingServiceSid" not in post.form
    assert [(e["status"], e["source"], e["detail"]) for e in found["events"]] == [
        ("created", "api", ""),
        ("sending", "worker", "attempt 1 via twilio"),
        ("sending", "worker", "twilio accepted" if service else "twilio queued"),
    ]


async def test_a_test_key_never_reaches_twilio(rig: Rig, sessions: Sessions) -> None:
    tester = await make_tenant(sessions, rig.settings, "OCMW Test", key_type="test")
    message_id = await rig.send(tester)
    final = await rig.final(tester, message_id)
    assert final["status"] == "delivered"
    assert final["events"][1]["detail"] == "attempt 1 via sandbox"
    assert rig.fake.requests == []


# -- 2. receipts ----------------------------------------------------------------------------


async def test_receipts_move_it_forward_only_and_each_kind_is_recorded_once(
    rig: Rig, tenant: Tenant
) -> None:
    message_id = await rig.send(tenant)
    sid = await rig.sid_of(message_id)

    for status in ("sent", "delivered"):
        assert (await rig.fake.send_status_callback(sid, status)).status == 204
    delivered = await rig.notification(tenant, message_id)
    assert delivered["status"] == "delivered"
    assert delivered["completed_at"]

    # A repeated "delivered", then a late "sent" (twice): the late one is kept in the history
    # once, a replay leaves no row, and nothing else moves.
    for status in ("delivered", "sent", "sent"):
        assert (await rig.fake.send_status_callback(sid, status)).status == 204
    final = await rig.notification(tenant, message_id)
    assert final["status"] == "delivered"
    assert final["completed_at"] == delivered["completed_at"]
    assert [(e["status"], e["source"], e["detail"]) for e in final["events"][3:]] == [
        ("sent", "provider", "twilio sent"),
        ("delivered", "provider", "twilio delivered"),
        ("delivered", "provider", "twilio sent (ignored: already delivered)"),
    ]
    assert (await rig.message(message_id)).provider_reference == sid


@pytest.mark.parametrize(
    ("code", "expected", "words"),
    [
        (30003, "temporary-failure", "handset unreachable"),
        (30005, "permanent-failure", "unknown destination handset"),
    ],
)
async def test_undelivered_receipt_fails_the_message(
    rig: Rig, tenant: Tenant, code: int, expected: str, words: str
) -> None:
    message_id = await rig.send(tenant)
    sid = await rig.sid_of(message_id)

    assert (await rig.fake.send_status_callback(sid, "undelivered", code)).status == 204
    failed = await rig.notification(tenant, message_id)
    assert failed["status"] == expected
    last = failed["events"][-1]
    assert (last["previous_status"], last["source"]) == ("sending", "provider")
    assert last["detail"].startswith(f"twilio undelivered (twilio {code}")
    assert words in last["detail"]
    assert (await rig.message(message_id)).failure_reason == last["detail"]

    # A failure is final: a later "delivered" is only noted.
    assert (await rig.fake.send_status_callback(sid, "delivered")).status == 204
    after = await rig.notification(tenant, message_id)
    assert after["status"] == expected
    assert after["events"][-1]["detail"] == f"twilio delivered (ignored: already {expected})"


# -- 3. and 4. signatures -------------------------------------------------------------------


async def test_callback_without_a_valid_signature_is_refused_and_changes_nothing(
    rig: Rig, tenant: Tenant
) -> None:
    message_id = await rig.send(tenant)
    sid = await rig.sid_of(message_id)
    before = await rig.notification(tenant, message_id)
    url = f"{rig.url}/webhooks/twilio/status?message_id={message_id}"
    params = receipt_params(rig.fake, sid, "delivered")
    real = RequestValidator(rig.fake.auth_token)
    attempts = {
        "missing": {},
        "empty": {"X-Twilio-Signature": ""},
        "garbage": {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        "other token": {
            "X-Twilio-Signature": RequestValidator("0" * 32).compute_signature(url, params)
        },
        "other params": {
            "X-Twilio-Signature": real.compute_signature(url, {**params, "MessageStatus": "sent"})
        },
        "other message": {
            "X-Twilio-Signature": real.compute_signature(url.replace(message_id, "x"), params)
        },
    }
    for name, headers in attempts.items():
        response = await rig.client.post(url, data=params, headers=headers)
        assert response.status_code == 403, name

    assert await rig.notification(tenant, message_id) == before
    # The same form with Twilio's own signature is taken: the refusals were the signature.
    signed = {"X-Twilio-Signature": real.compute_signature(url, params)}
    assert (await rig.client.post(url, data=params, headers=signed)).status_code == 204
    assert (await rig.notification(tenant, message_id))["status"] == "delivered"


async def test_twilio_webhooks_answer_404_when_twilio_is_not_configured(
    settings: Settings, sessions: Sessions, redis_server: str
) -> None:
    unset = dict.fromkeys(("twilio_account_sid", "twilio_auth_token", "twilio_from_number"))
    settings = settings.model_copy(update=unset)
    params = {"MessageSid": "SM" + "1" * 32, "From": PHONE, "To": SENDER, "Body": "STOP"}
    async with (
        running_api(settings, redis_server) as server,
        httpx.AsyncClient(base_url=server_url(server)) as client,
    ):
        for path in ("/webhooks/twilio/status?message_id=x", "/webhooks/twilio/inbound"):
            signature = RequestValidator("token").compute_signature(
                settings.public_url + path, params
            )
            response = await client.post(
                path, data=params, headers={"X-Twilio-Signature": signature}
            )
            assert response.status_code == 404, path


async def test_behind_a_reverse_proxy_the_public_url_is_what_is_signed(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant
) -> None:
    public = "https://messenger.example.org"
    async with twilio_rig(settings, sessions, redis_server, public_url=public) as rig:
        message_id = await rig.send(tenant)
        sid = await rig.sid_of(message_id)
        path = f"/webhooks/twilio/status?message_id={message_id}"
        assert rig.fake.posts[0].form["StatusCallback"] == public + path
        assert not rig.url.startswith(public)
        params = receipt_params(rig.fake, sid, "delivered")
        validator = RequestValidator(rig.fake.auth_token)

        as_bound = validator.compute_signature(rig.url + path, params)
        refused = await rig.client.post(path, data=params, headers={"X-Twilio-Signature": as_bound})
        assert refused.status_code == 403
        assert (await rig.notification(tenant, message_id))["status"] == "sending"

        as_public = validator.compute_signature(public + path, params)
        taken = await rig.client.post(path, data=params, headers={"X-Twilio-Signature": as_public})
        assert taken.status_code == 204
        assert (await rig.notification(tenant, message_id))["status"] == "delivered"


# -- 5. a receipt for a message whose SID was never stored ----------------------------------


async def test_receipt_finds_its_message_by_message_id_when_the_sid_was_lost(
    rig: Rig, tenant: Tenant
) -> None:
    message_id = await rig.send(tenant)
    sid = await rig.sid_of(message_id)
    # What a worker that died between Twilio's answer and our commit leaves behind.
    async with rig.sessions() as session:
        await session.execute(
            update(Message).where(Message.id == message_id).values(provider_reference=None)
        )
        await session.commit()

    answer = await rig.fake.send_status_callback(sid, "delivered")

    assert answer.status == 204
    assert answer.url.endswith(f"?message_id={message_id}")
    message = await rig.message(message_id)
    assert message.status == "delivered"
    assert message.provider_reference == sid
    events = (await rig.notification(tenant, message_id))["events"]
    assert (events[-1]["status"], events[-1]["detail"]) == ("delivered", "twilio delivered")


# -- 6. Twilio's errors ---------------------------------------------------------------------


async def test_twilio_21610_fails_the_message_and_blocks_further_sends(
    rig: Rig, tenant: Tenant
) -> None:
    rig.fake.fail_next(status=400, code=21610)
    message_id = await rig.send(tenant)
    final = await rig.final(tenant, message_id)

    assert final["status"] == "permanent-failure"
    assert "recipient opted out" in final["events"][-1]["detail"]
    assert len(rig.fake.posts) == 1
    [record] = await rig.opt_outs()
    assert (record.organisation_id, record.opted_out, record.source) == (
        tenant.organisation_id,
        True,
        "provider",
    )
    refused = await rig.client.post(
        "/v2/notifications/sms", json=sms_body(), headers=tenant.headers()
    )
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["error"] == "ValidationError"
    assert error["message"].startswith("phone_number ")
    assert len(rig.fake.posts) == 1


async def test_429_then_503_are_retried_until_twilio_takes_it(rig: Rig, tenant: Tenant) -> None:
    rig.fake.fail_next(status=429)
    rig.fake.fail_next(status=503)
    message_id = await rig.send(tenant)
    sid = await rig.sid_of(message_id)
    assert (await rig.fake.send_status_callback(sid, "delivered")).status == 204
    final = await rig.notification(tenant, message_id)

    assert final["status"] == "delivered"
    assert len(rig.fake.posts) == 3
    assert list(rig.fake.messages) == [sid]
    assert all(p.form["To"] == PHONE and p.form["Body"] == final["body"] for p in rig.fake.posts)
    assert [e["status"] for e in final["events"]] == [
        "created",
        "sending",
        "created",
        "sending",
        "created",
        "sending",
        "sending",
        "delivered",
    ]
    assert "too many requests (http 429); retry in" in final["events"][2]["detail"]
    assert "Twilio unavailable (http 503); retry in" in final["events"][4]["detail"]


async def test_21211_fails_after_one_post_without_quoting_the_number(
    rig: Rig, tenant: Tenant
) -> None:
    rig.fake.fail_next(status=400, code=21211)
    message_id = await rig.send(tenant)
    final = await rig.final(tenant, message_id)

    assert final["status"] == "permanent-failure"
    assert len(rig.fake.posts) == 1
    reason = "twilio 21211: invalid 'To' phone number (http 400)"
    assert final["events"][-1]["detail"] == reason
    assert (await rig.message(message_id)).failure_reason == reason
    assert not any("470" in e["detail"] for e in final["events"])
    assert await rig.opt_outs() == []


# -- 8. queued before the STOP --------------------------------------------------------------


async def test_message_queued_before_its_number_said_stop_is_not_sent(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant
) -> None:
    async with twilio_rig(settings, sessions, redis_server, worker=False) as rig:
        queued = await rig.send(tenant)
        # The STOP finds the organisation through the queued SMS.
        assert (await rig.inbound("STOP")).status == 200
        async with rig.worker():
            final = await rig.final(tenant, queued)
            await eventually(lambda: rig.posts_to(PHONE), "STOP confirmation to Twilio")

    assert final["status"] == "permanent-failure"
    assert final["events"][-1]["detail"] == "recipient opted out of text messages"
    assert (await rig.message(queued)).failure_reason == "opted out"
    [confirmation] = await rig.confirmations()
    # The one POST to Twilio is the confirmation; the queued reminder never went out.
    assert [p["Body"] for p in rig.posts_to(PHONE)] == [confirmation.body]
    assert confirmation.body != final["body"]


# -- 9. the rate limiter --------------------------------------------------------------------


async def test_rate_limiter_spaces_reservations_and_refuses_beyond_max_wait(
    redis_server: str,
) -> None:
    redis = Redis.from_url(redis_server)
    key = f"test-{uuid.uuid4()}"
    bucket = f"messenger:rate:{key}"
    limiter = RateLimiter(redis, per_second=5, burst=2, max_wait=0.7)
    try:
        reserved = [await limiter.reserve(key) for _ in range(5)]
        state = await redis.get(bucket)
        refused = [await limiter.reserve(key) for _ in range(2)]
        state_after = await redis.get(bucket)
    finally:
        await redis.delete(bucket)
        await redis.aclose()

    assert [ok for ok, _ in reserved] == [True] * 5
    waits = [wait for _, wait in reserved]
    assert waits[:2] == [0, 0]  # the burst goes at once
    # Then one every 0.2 s: each wait 0.2 s longer than the one before, less the few
    # microseconds between two calls.
    gaps = [later - earlier for earlier, later in itertools.pairwise(waits[1:])]
    assert all(0.15 < gap <= 0.2 for gap in gaps), waits
    # The sixth slot (0.8 s ahead) is beyond max_wait: refused, and nothing was reserved,
    # so asking again gives the same slot, not the one after.
    assert [ok for ok, _ in refused] == [False, False]
    assert all(0.7 < wait <= 0.8 for _, wait in refused), refused
    assert state_after == state
