"""Inbound email end to end: bounces, delays, auto-replies and replies for emails the real
worker sent through an SMTP relay, arriving by the webhook and by our SMTP listener."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiosmtplib
import httpx
import pytest

from messenger.platform.db import Sessions
from messenger.platform.models import Message
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.email_support import (
    ADDRESS,
    FIXTURES,
    REPLY_DOMAIN,
    answer_to,
    fixture_mail,
    history,
    listening,
    mail_settings,
    message,
    post_inbound,
    received,
    reply_mail,
    running,
    send_email,
    sent_email,
)
from tests.fakes.smtp_server import FakeSmtpServer
from tests.support import Tenant, wait_for_status

GMAIL_TEXT = (
    "Dag,\n\nIk kom dinsdag naar het gesprek. Mag mijn zus mee? Zij helpt me met de\n"
    "brieven.\n\nGroetjes\nSara"
)


@pytest.fixture
async def relay() -> AsyncIterator[FakeSmtpServer]:
    async with FakeSmtpServer() as server:
        yield server


@pytest.fixture
def config(settings: Settings, relay: FakeSmtpServer) -> Settings:
    return mail_settings(settings, relay.port)


@pytest.fixture
async def client(
    config: Settings, sessions: Sessions, redis_server: str
) -> AsyncIterator[httpx.AsyncClient]:
    async with running(config, redis_server) as client:
        yield client


@pytest.fixture
async def sent(client: httpx.AsyncClient, tenant: Tenant, sessions: Sessions) -> Message:
    """One email the worker has sent through the relay."""
    return await message(sessions, await sent_email(client, tenant))


async def inbound(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await post_inbound(client, raw)
    assert response.status_code == 204, response.text


async def test_permanent_bounce_fails_the_message(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message
) -> None:
    await inbound(client, fixture_mail("bounce_postfix_user_unknown.eml", sent))

    failed = await message(sessions, sent.id)
    assert failed.status == "permanent-failure"
    assert failed.failure_reason and "5.1.1" in failed.failure_reason
    assert not ADDRESS.search(failed.failure_reason), failed.failure_reason
    last = (await history(sessions, sent.id))[-1]
    assert (last.previous_status, last.status, last.source) == (
        "sent",
        "permanent-failure",
        "provider",
    )
    assert await received(sessions) == []


async def test_temporary_bounce_is_a_temporary_failure(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message
) -> None:
    raw = fixture_mail("bounce_postfix_user_unknown.eml", sent).replace(b"5.1.1", b"4.2.2")
    await inbound(client, raw)

    failed = await message(sessions, sent.id)
    assert failed.status == "temporary-failure"
    assert failed.failure_reason and "4.2.2" in failed.failure_reason


async def test_delay_only_adds_history(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message
) -> None:
    before = await history(sessions, sent.id)
    await inbound(client, fixture_mail("delay_exchange_447.eml", sent))

    after = await history(sessions, sent.id)
    assert (await message(sessions, sent.id)).status == "sent"
    assert len(after) == len(before) + 1
    assert after[-1].status == "sent" and after[-1].detail.startswith("delay 4.4.7")
    assert not ADDRESS.search(after[-1].detail)


async def test_bounce_after_a_permanent_failure_changes_nothing(
    client: httpx.AsyncClient, sessions: Sessions, relay: FakeSmtpServer, tenant: Tenant
) -> None:
    relay.reply_next("550 5.1.1 user unknown", stage="RCPT")
    failed_id = await send_email(client, tenant)
    assert (await wait_for_status(client, tenant, failed_id))["status"] == "permanent-failure"
    failed = await message(sessions, failed_id)

    for code in (b"4.2.2", b"5.1.1"):
        raw = fixture_mail("bounce_postfix_user_unknown.eml", failed).replace(b"5.1.1", code)
        await inbound(client, raw)

    after = await message(sessions, failed_id)
    assert after.status == "permanent-failure"
    assert after.failure_reason == failed.failure_reason == "smtp 550 5.1.1 recipient refused"
    assert after.completed_at == failed.completed_at
    events = await history(sessions, failed_id)
    assert [e.status for e in events][-2:] == ["permanent-failure", "permanent-failure"]
    assert "ignored: already permanent-failure" in events[-2].detail


async def test_auto_reply_is_history_only(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message
) -> None:
    before = await history(sessions, sent.id)
    await inbound(client, fixture_mail("auto_reply_nl_out_of_office.eml", sent))

    after = await history(sessions, sent.id)
    assert (await message(sessions, sent.id)).status == "sent"
    assert len(after) == len(before) + 1
    assert after[-1].detail.startswith("auto-reply")
    assert await received(sessions) == []


async def test_reply_to_the_token_is_stored(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message, tenant: Tenant
) -> None:
    await inbound(client, fixture_mail("reply_nl_gmail.eml", sent))

    [reply] = await received(sessions)
    assert reply.kind == "email"
    assert reply.in_reply_to == sent.id
    assert reply.organisation_id == tenant.organisation_id
    assert reply.sender == "sara.peeters@example.net"
    assert reply.subject == "Re: Uitnodiging: gesprek op dinsdag 15 december"
    assert reply.content == GMAIL_TEXT
    assert reply.intent == "reply"
    assert reply.provider_reference == "<CAF7x2k9Lm+Q8pR3s4T5u6V7w8X9y0ZaBcDeFgHiJk@mail.gmail.com>"
    assert (await message(sessions, sent.id)).status == "sent"


async def test_ja_to_the_token_is_a_confirmation(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message
) -> None:
    await inbound(client, reply_mail("Ja", to=f"OCMW <reply+{sent.reply_token}@{REPLY_DOMAIN}>"))

    [reply] = await received(sessions)
    assert (reply.content, reply.intent, reply.in_reply_to) == ("Ja", "confirm", sent.id)


async def test_reply_found_by_in_reply_to_only(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message, tenant: Tenant
) -> None:
    # Not the token, and a sender we never wrote to: only In-Reply-To names the message.
    raw = reply_mail(
        "Nee, maar bel me morgen.",
        to="OCMW <noreply@messenger.invalid>",
        sender="broer.van.sara@example.org",
        in_reply_to=f"<{sent.id}@messenger.invalid>",
    )
    await inbound(client, raw)

    [reply] = await received(sessions)
    assert reply.in_reply_to == sent.id
    assert reply.organisation_id == tenant.organisation_id
    assert (reply.content, reply.intent) == ("Nee, maar bel me morgen.", "reply")


async def test_the_same_reply_twice_is_stored_once(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message
) -> None:
    raw = fixture_mail("reply_nl_gmail.eml", sent)
    await inbound(client, raw)
    await inbound(client, raw)

    assert len(await received(sessions)) == 1


async def test_a_reply_that_matches_nothing_is_dropped(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message
) -> None:
    raw = reply_mail(
        "Wie bent u?",
        to="reply+00000000000000ff@antwoord.ocmw.example",
        sender="onbekende@example.org",
        in_reply_to="<00000000-0000-4000-8000-000000000000@messenger.invalid>",
    )
    await inbound(client, raw)

    assert await received(sessions) == []


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer wrong", "Bearer s3cret-not", "Basic s3cret"], ids=repr
)
async def test_a_wrong_or_missing_secret_is_refused(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message, authorization: str | None
) -> None:
    for raw in (
        fixture_mail("reply_nl_gmail.eml", sent),
        fixture_mail("bounce_postfix_user_unknown.eml", sent),
    ):
        response = await post_inbound(client, raw, authorization=authorization)
        assert response.status_code == 403, response.text

    assert await received(sessions) == []
    assert (await message(sessions, sent.id)).status == "sent"


async def test_without_a_secret_the_webhook_does_not_exist(
    config: Settings, sessions: Sessions, redis_server: str
) -> None:
    unconfigured = config.model_copy(update={"inbound_email_secret": None})
    async with running(unconfigured, redis_server, worker=False) as client:
        response = await post_inbound(client, reply_mail("Ja", to="x@example.org"))
        assert response.status_code == 404
        response = await post_inbound(
            client, reply_mail("Ja", to="x@example.org"), authorization=None
        )
        assert response.status_code == 404
    assert await received(sessions) == []


async def test_a_reply_is_stored_under_the_organisation_of_its_message(
    client: httpx.AsyncClient, sessions: Sessions, config: Settings, tenant: Tenant
) -> None:
    other = await make_tenant(sessions, config, "OCMW Brugge")
    ours = await message(sessions, await sent_email(client, tenant))
    theirs = await message(sessions, await sent_email(client, other))

    await inbound(client, fixture_mail("reply_nl_gmail.eml", ours))
    [reply] = await received(sessions)
    assert (reply.organisation_id, reply.in_reply_to) == (tenant.organisation_id, ours.id)

    by_reference = reply_mail(
        "Ok", to="x@example.org", in_reply_to=f"<{theirs.id}@messenger.invalid>", mail_id="<2@x>"
    )
    await inbound(client, by_reference)
    replies = {r.organisation_id: r.in_reply_to for r in await received(sessions)}
    assert replies == {tenant.organisation_id: ours.id, other.organisation_id: theirs.id}


# The SMTP listener (messenger smtp-inbound), fed by a real SMTP client.


@pytest.fixture
async def listener(config: Settings, sessions: Sessions) -> AsyncIterator[int]:
    async with listening(config) as port:
        yield port


async def deliver(port: int, sender: str, recipient: str, raw: bytes) -> None:
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as smtp:
        await smtp.sendmail(sender, [recipient], raw)


async def test_listener_takes_a_bounce_for_the_envelope_token(
    listener: int, sessions: Sessions, sent: Message
) -> None:
    # The placeholder token and id of the fixture stay: only the envelope names our message.
    raw = (FIXTURES / "bounce_postfix_user_unknown.eml").read_bytes()
    await deliver(listener, "", f"bounces+{sent.reply_token}@{REPLY_DOMAIN}", raw)

    failed = await message(sessions, sent.id)
    assert failed.status == "permanent-failure"
    assert failed.failure_reason and "5.1.1" in failed.failure_reason


async def test_listener_refuses_other_domains(listener: int) -> None:
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=listener, start_tls=False) as smtp:
        await smtp.mail("sara@example.be")
        with pytest.raises(aiosmtplib.SMTPRecipientRefused) as refused:
            await smtp.rcpt("iemand@elders.example")
    assert refused.value.code == 550


async def test_listener_stores_the_answer_to_the_delivered_mail(
    listener: int, sessions: Sessions, sent: Message, relay: FakeSmtpServer, tenant: Tenant
) -> None:
    delivered = relay.envelopes[-1]
    raw = answer_to(delivered, "Ja!", mail_id="<antwoord-ja@example.be>")
    await deliver(listener, delivered.rcpt_tos[0], f"reply+{sent.reply_token}@{REPLY_DOMAIN}", raw)

    [reply] = await received(sessions)
    assert (reply.in_reply_to, reply.organisation_id) == (sent.id, tenant.organisation_id)
    assert (reply.content, reply.intent, reply.kind) == ("Ja!", "confirm", "email")


async def test_a_new_mail_from_a_client_goes_to_the_latest_sender(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message, tenant: Tenant
) -> None:
    # No token, no reference: the latest email we sent to that address tells whose client.
    await inbound(client, reply_mail("Ik heb een vraag.", to=f"nieuw@{REPLY_DOMAIN}"))

    [reply] = await received(sessions)
    assert (reply.in_reply_to, reply.organisation_id) == (sent.id, tenant.organisation_id)


async def test_a_new_mail_from_an_address_with_capitals_goes_to_the_latest_sender(
    client: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    address = "Sara.Peeters@example.net"
    message_id = await sent_email(client, tenant, email_address=address)
    await inbound(
        client, reply_mail("Ik heb een vraag.", to=f"nieuw@{REPLY_DOMAIN}", sender=address)
    )

    assert [r.in_reply_to for r in await received(sessions)] == [message_id]


async def test_a_new_mail_to_an_address_two_organisations_wrote_to_is_not_guessed(
    client: httpx.AsyncClient, sessions: Sessions, config: Settings, tenant: Tenant
) -> None:
    # Without a token or a reference, guessing would show one OCMW's client mail to another.
    other = await make_tenant(sessions, config, "OCMW Brugge")
    address = "sara@example.be"
    await sent_email(client, tenant, email_address=address)
    await sent_email(client, other, email_address=address)
    await inbound(
        client, reply_mail("Ik heb een vraag.", to=f"nieuw@{REPLY_DOMAIN}", sender=address)
    )
    assert await received(sessions) == []


async def test_the_reply_records_the_address_it_came_to(
    client: httpx.AsyncClient, sessions: Sessions, sent: Message
) -> None:
    await inbound(client, fixture_mail("reply_nl_gmail.eml", sent))
    [reply] = await received(sessions)
    assert reply.recipient == f"reply+{sent.reply_token}@{REPLY_DOMAIN}"
