"""Text messages from clients through POST /webhooks/twilio/inbound, signed as Twilio signs
them: stored and matched to an organisation, STOP/START acted on and confirmed through
Twilio, and read back with GOV.UK Notify's official client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from messenger.casework.organisations import update_organisation
from messenger.platform.db import Sessions
from messenger.platform.models import Message, ReceivedMessage
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.sms_support import (
    PHONE,
    SDK_WARNINGS,
    SENDER,
    START_TEMPLATE,
    STOP_TEMPLATE,
    Rig,
    eventually,
    twilio_rig,
)
from tests.support import Tenant, sms_body

pytestmark = pytest.mark.filterwarnings(SDK_WARNINGS)
STRANGER = "+32470999888"
STOP_NL = "U krijgt geen sms meer van ons. Wilt u toch weer sms krijgen? Stuur dan START."
STOP_FR = "Vous ne recevrez plus de SMS de notre part. Pour en recevoir à nouveau, envoyez START."
START_NL = "U krijgt weer sms van ons. Wilt u geen sms meer? Stuur dan STOP."


@pytest.fixture
async def rig(settings: Settings, sessions: Sessions, redis_server: str) -> AsyncIterator[Rig]:
    async with twilio_rig(settings, sessions, redis_server) as running:
        yield running


async def _texted(rig: Rig, tenant: Tenant) -> str:
    """An SMS to PHONE that Twilio took: what a client's reply answers."""
    message_id = await rig.send(tenant)
    await rig.sid_of(message_id)
    return message_id


async def _sent_to_twilio(rig: Rig, number: str, body: str) -> dict[str, str]:
    def found() -> list[dict[str, str]]:
        return [p for p in rig.posts_to(number) if p["Body"] == body]

    [post] = await eventually(found, f"{body!r} to {number} at Twilio")
    return dict(post)


async def _refused(rig: Rig, tenant: Tenant, number: str = PHONE) -> dict[str, Any]:
    response = await rig.client.post(
        "/v2/notifications/sms", json=sms_body(phone_number=number), headers=tenant.headers()
    )
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    return dict(error)


@pytest.mark.parametrize(
    ("word", "language", "answer"),
    [("STOP", "nl", STOP_NL), ("Arrêt", "fr", STOP_FR)],
    ids=["STOP", "Arret"],
)
async def test_stop_opts_out_and_is_confirmed_in_its_language(
    rig: Rig, tenant: Tenant, word: str, language: str, answer: str
) -> None:
    reminder = await _texted(rig, tenant)

    reply = await rig.inbound(word)

    assert reply.status == 200
    assert reply.text == '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    [received] = await rig.received()
    assert (received.organisation_id, received.intent, received.content) == (
        tenant.organisation_id,
        "stop",
        word,
    )
    assert (received.sender, received.recipient) == (PHONE, SENDER)
    assert received.in_reply_to == reminder
    assert received.provider_reference == reply.params["MessageSid"]
    [record] = await rig.opt_outs()
    assert (record.organisation_id, record.opted_out, record.source) == (
        tenant.organisation_id,
        True,
        "reply",
    )
    [confirmation] = await rig.confirmations(STOP_TEMPLATE)
    assert (confirmation.recipient, confirmation.language) == (PHONE, language)
    assert confirmation.body == answer
    post = await _sent_to_twilio(rig, PHONE, answer)
    assert post["From"] == SENDER
    assert post["StatusCallback"].endswith(f"?message_id={confirmation.id}")
    assert (await _refused(rig, tenant))["message"].startswith("phone_number ")


async def test_start_opts_back_in_and_sends_are_accepted_again(rig: Rig, tenant: Tenant) -> None:
    await _texted(rig, tenant)
    await rig.inbound("STOP")
    await _sent_to_twilio(rig, PHONE, STOP_NL)
    await _refused(rig, tenant)

    assert (await rig.inbound("START")).status == 200

    assert [r.intent for r in await rig.received()] == ["stop", "start"]
    assert [r.opted_out for r in await rig.opt_outs()] == [True, False]
    [confirmation] = await rig.confirmations(START_TEMPLATE)
    assert (confirmation.language, confirmation.body) == ("nl", START_NL)
    await _sent_to_twilio(rig, PHONE, START_NL)
    again = await rig.send(tenant)
    await rig.sid_of(again)
    [post] = [r.form for r in rig.fake.posts if r.form["StatusCallback"].endswith(f"={again}")]
    assert post["To"] == PHONE


async def test_replies_are_classified_listed_newest_first_and_private(
    rig: Rig, tenant: Tenant, sessions: Sessions
) -> None:
    reminder = await _texted(rig, tenant)
    replies = {"JA": "confirm", "bel mij": "call", "Ik kan niet komen want ik werk": "reply"}
    for body in replies:
        assert (await rig.inbound(body)).status == 200

    client = NotificationsAPIClient(tenant.api_key, base_url=rig.url)
    page = await asyncio.to_thread(client.get_received_texts)
    texts = page["received_text_messages"]
    assert [t["content"] for t in texts] == list(reversed(replies))
    for found in texts:
        # Exactly Notify's fields: its schema allows no other.
        assert set(found) == {"id", "user_number", "notify_number", "created_at",
                              "service_id", "content"}  # fmt: skip
        assert (found["user_number"], found["notify_number"]) == (PHONE, SENDER)
        assert found["service_id"] == tenant.organisation_id
        assert found["created_at"].endswith("Z")
    # What Messenger knows besides: what each asks for, and the message it answers.
    rows = {r.content: r for r in await rig.rows(ReceivedMessage)}
    assert {body: rows[body].intent for body in replies} == replies
    assert {rows[body].in_reply_to for body in replies} == {reminder}
    iterated = await asyncio.to_thread(lambda: list(client.get_received_texts_iterator()))
    assert iterated == texts
    # None of these is a keyword that asks for an answer: only the reminder went out.
    assert [m.id for m in await rig.rows(Message)] == [reminder]
    assert await rig.opt_outs() == []

    other = await make_tenant(sessions, rig.settings, "OCMW Antwerpen")
    theirs = NotificationsAPIClient(other.api_key, base_url=rig.url)
    assert (await asyncio.to_thread(theirs.get_received_texts))["received_text_messages"] == []
    assert await asyncio.to_thread(lambda: list(theirs.get_received_texts_iterator())) == []


async def test_organisation_is_found_by_the_number_the_client_texted(
    rig: Rig, tenant: Tenant, sessions: Sessions
) -> None:
    own_number = "+32460000001"
    async with sessions() as session:
        await update_organisation(session, tenant.organisation_id, sms_sender="0460 00 00 01")
        await session.commit()

    # We never wrote to this number: the organisation is known by the number it texted.
    assert (await rig.inbound("STOP", from_=STRANGER, to=own_number)).status == 200

    [received] = await rig.received()
    assert (received.organisation_id, received.intent) == (tenant.organisation_id, "stop")
    assert received.in_reply_to is None
    assert [r.opted_out for r in await rig.opt_outs(STRANGER)] == [True]
    post = await _sent_to_twilio(rig, STRANGER, STOP_NL)
    assert post["From"] == own_number  # the organisation's own sender answers


async def test_reply_belongs_to_the_organisation_that_wrote_last(
    rig: Rig, tenant: Tenant, sessions: Sessions
) -> None:
    await _texted(rig, tenant)
    other = await make_tenant(sessions, rig.settings, "OCMW Antwerpen")
    latest = await _texted(rig, other)

    await rig.inbound("JA")

    [received] = await rig.received()
    assert (received.organisation_id, received.in_reply_to) == (other.organisation_id, latest)


async def test_the_same_message_sid_twice_is_stored_and_confirmed_once(
    rig: Rig, tenant: Tenant
) -> None:
    await _texted(rig, tenant)
    first = await rig.inbound("STOP")
    await _sent_to_twilio(rig, PHONE, STOP_NL)

    # Twilio retries its webhook: the very same signed request again.
    again = await rig.client.post(
        first.url, data=first.params, headers={"X-Twilio-Signature": first.signature}
    )

    assert again.status_code == 200
    [received] = await rig.received()
    assert received.provider_reference == first.params["MessageSid"]
    assert len(await rig.opt_outs()) == 1
    [confirmation] = await rig.confirmations()
    assert confirmation.idempotency_key == f"confirm:{first.params['MessageSid']}"
    assert len(await rig.rows(Message)) == 2
    await rig.sid_of(confirmation.id)
    assert len(rig.posts_to(PHONE)) == 2  # the reminder and one confirmation


async def test_the_same_message_sid_twice_at_once_is_answered_200_both_times(
    rig: Rig, tenant: Tenant, sessions: Sessions
) -> None:
    if not rig.settings.database.startswith("postgresql"):
        pytest.skip("PostgreSQL's table lock lines the two deliveries up deterministically")
    await _texted(rig, tenant)
    waiting = text(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND database ="
        " (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    async with sessions() as blocker:
        # Reads go on, inserts wait: both deliveries pass the "seen it?" check, then queue.
        await blocker.execute(text("LOCK TABLE received_messages IN SHARE MODE"))
        first = asyncio.create_task(rig.inbound("STOP"))
        params = (await eventually(lambda: rig.fake.inbound, "first delivery"))[0]
        url = f"{rig.url}/webhooks/twilio/inbound"
        signature = RequestValidator(rig.fake.auth_token).compute_signature(url, params)
        second = asyncio.create_task(
            rig.client.post(url, data=params, headers={"X-Twilio-Signature": signature})
        )

        async def both_waiting() -> bool:
            return bool((await blocker.scalar(waiting) or 0) >= 2)

        await eventually(both_waiting, "two deliveries waiting to insert")
        await blocker.rollback()
    answers = [(await first).status, (await second).status_code]

    assert len(await rig.received()) == 1
    assert len(await rig.opt_outs()) == 1
    assert len(await rig.confirmations()) == 1
    assert answers == [200, 200]


async def test_text_from_an_unknown_number_to_an_unknown_sender_is_dropped(
    rig: Rig, tenant: Tenant
) -> None:
    await _texted(rig, tenant)

    answer = await rig.inbound("STOP", from_=STRANGER)

    assert answer.status == 200
    assert await rig.rows(ReceivedMessage) == []
    assert await rig.opt_outs(STRANGER) == []
    assert len(await rig.rows(Message)) == 1
    assert rig.posts_to(STRANGER) == []


async def test_inbound_with_a_bad_signature_is_refused(rig: Rig, tenant: Tenant) -> None:
    await _texted(rig, tenant)
    genuine = await rig.inbound("JA")
    forged = {**genuine.params, "MessageSid": "SM" + "f" * 32, "Body": "STOP"}

    response = await rig.client.post(
        genuine.url, data=forged, headers={"X-Twilio-Signature": genuine.signature}
    )

    assert response.status_code == 403
    assert [r.content for r in await rig.received()] == ["JA"]
    assert await rig.opt_outs() == []
