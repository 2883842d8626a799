"""Sending email end to end: API -> Redis -> real worker -> SMTP relay (aiosmtpd), with the
state, history and envelope checked in the database and on the relay."""

from __future__ import annotations

import re

import pytest

from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.email_support import (
    ADDRESS,
    REPLY_DOMAIN,
    dsn_bounce,
    history,
    mail_settings,
    message,
    post_inbound,
    running,
    send_email,
    sent_email,
)
from tests.fakes.smtp_server import FakeSmtpServer, free_port
from tests.support import Tenant, wait_for_status

RECIPIENT = "sara@example.be"
DSN_KEYS = ("RET=", "ENVID=", "NOTIFY=", "ORCPT=")


@pytest.mark.parametrize("dsn", [False, True], ids=["plain-relay", "dsn-relay"])
async def test_email_is_sent_through_smtp_with_verp_and_reply_to(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant, dsn: bool
) -> None:
    async with FakeSmtpServer(dsn=dsn) as server:
        config = mail_settings(settings, server.port)
        async with running(config, redis_server) as client:
            message_id = await send_email(client, tenant)
            final = await wait_for_status(client, tenant, message_id)

    assert final["status"] == "sent"
    assert [e["status"] for e in final["events"]] == ["created", "sending", "sent"]
    assert final["sent_at"]
    stored = await message(sessions, message_id)
    assert stored.status == "sent" and stored.attempts == 1 and stored.channel == "smtp"
    assert stored.provider_reference == f"<{message_id}@messenger.invalid>"
    token = stored.reply_token
    assert token and re.fullmatch(r"[0-9a-f]{16}", token)

    [envelope] = server.envelopes
    assert envelope.mail_from == f"bounces+{token}@{REPLY_DOMAIN}"
    assert envelope.rcpt_tos == [RECIPIENT]
    mail = envelope.message()
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["Message-ID"] == stored.provider_reference
    assert mail["From"] == settings.email_from
    assert mail["To"] == RECIPIENT
    assert mail["Reply-To"] == f"reply+{token}@{REPLY_DOMAIN}"
    assert mail["Subject"] == "Uitnodiging voor een gesprek bij het OCMW"
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert plain is not None and "Dag Sara" in plain.get_content()
    assert html is not None and "<p>Dag Sara,</p>" in html.get_content()
    asked = [o for o in envelope.mail_options + envelope.rcpt_options if o.startswith(DSN_KEYS)]
    if dsn:
        assert asked == [
            "RET=HDRS",
            f"ENVID={message_id}",
            "NOTIFY=FAILURE,DELAY",
            f"ORCPT=rfc822;{RECIPIENT}",
        ]
    else:
        assert asked == []


async def test_every_email_has_its_own_token(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant
) -> None:
    async with (
        FakeSmtpServer() as server,
        running(mail_settings(settings, server.port), redis_server) as client,
    ):
        ids = [await sent_email(client, tenant) for _ in range(2)]
        # The relay closes idle sessions; the pooled connection must not fail the next send.
        await server.drop_connections()
        ids.append(await sent_email(client, tenant))

    tokens = [(await message(sessions, i)).reply_token for i in ids]
    assert len(set(tokens)) == 3
    assert sorted(e.mail_from for e in server.envelopes) == sorted(
        f"bounces+{t}@{REPLY_DOMAIN}" for t in tokens
    )


async def test_451_on_rcpt_is_retried_then_sent(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant
) -> None:
    async with FakeSmtpServer() as server:
        server.reply_next("451 4.3.0 Try again later", stage="RCPT")
        async with running(mail_settings(settings, server.port), redis_server) as client:
            message_id = await send_email(client, tenant)
            final = await wait_for_status(client, tenant, message_id)

    assert final["status"] == "sent"
    statuses = [e["status"] for e in final["events"]]
    assert statuses == ["created", "sending", "created", "sending", "sent"]
    assert "smtp 451 4.3.0 recipient refused" in final["events"][2]["detail"]
    stored = await message(sessions, message_id)
    assert stored.attempts == 2
    assert stored.failure_reason is None
    assert stored.provider_reference == f"<{message_id}@messenger.invalid>"
    [envelope] = server.envelopes
    assert envelope.rcpt_tos == [RECIPIENT]


async def test_550_on_rcpt_is_a_permanent_failure_after_one_attempt(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant
) -> None:
    async with FakeSmtpServer() as server:
        server.reply_next(f"550 5.1.1 <{RECIPIENT}>: user unknown", stage="RCPT")
        async with running(mail_settings(settings, server.port), redis_server) as client:
            message_id = await send_email(client, tenant)
            final = await wait_for_status(client, tenant, message_id)

    assert final["status"] == "permanent-failure"
    assert [e["status"] for e in final["events"]] == ["created", "sending", "permanent-failure"]
    stored = await message(sessions, message_id)
    assert stored.attempts == 1
    assert stored.failure_reason and "550" in stored.failure_reason
    assert not ADDRESS.search(stored.failure_reason), stored.failure_reason
    assert not any(ADDRESS.search(e["detail"]) for e in final["events"])
    assert server.envelopes == []


async def test_550_on_data_is_a_permanent_failure(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant
) -> None:
    async with FakeSmtpServer() as server:
        server.reply_next("554 5.6.0 Message refused", stage="DATA")
        async with running(mail_settings(settings, server.port), redis_server) as client:
            message_id = await send_email(client, tenant)
            final = await wait_for_status(client, tenant, message_id)

    assert final["status"] == "permanent-failure"
    stored = await message(sessions, message_id)
    assert stored.attempts == 1
    assert stored.failure_reason == "smtp 554 5.6.0 message refused"


async def test_a_relay_that_is_down_ends_in_technical_failure(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant
) -> None:
    config = mail_settings(settings, free_port(), max_attempts=3)
    async with running(config, redis_server) as client:
        message_id = await send_email(client, tenant)
        final = await wait_for_status(client, tenant, message_id)

    assert final["status"] == "technical-failure"
    # The relay never took it, so it was never `sending`: each attempt is a note on `created`.
    assert [e["status"] for e in final["events"]] == ["created"] * 3 + ["technical-failure"]
    stored = await message(sessions, message_id)
    assert stored.attempts == 3
    assert stored.failure_reason == "gave up after 3 attempts: smtp server unreachable"
    assert stored.provider_reference is None


async def test_a_test_key_never_reaches_the_relay(
    settings: Settings, sessions: Sessions, redis_server: str
) -> None:
    tester = await make_tenant(sessions, settings, "OCMW Test", key_type="test")
    async with (
        FakeSmtpServer() as server,
        running(mail_settings(settings, server.port), redis_server) as client,
    ):
        message_id = await send_email(client, tester)
        final = await wait_for_status(client, tester, message_id)

    assert final["status"] == "delivered"
    assert (await message(sessions, message_id)).channel == "sandbox"
    assert server.envelopes == []
    assert (settings.outbox_dir / "email" / f"{message_id}.eml").exists()


async def test_history_of_a_sent_email_names_the_relay(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant
) -> None:
    async with (
        FakeSmtpServer() as server,
        running(mail_settings(settings, server.port), redis_server) as client,
    ):
        message_id = await sent_email(client, tenant)

    events = await history(sessions, message_id)
    assert [(e.previous_status, e.status, e.source) for e in events] == [
        (None, "created", "api"),
        ("created", "sending", "worker"),
        ("sending", "sent", "worker"),
    ]
    assert events[1].detail == "attempt 1 via smtp"
    assert events[2].detail == "smtp 250 accepted"


@pytest.mark.parametrize("to", ["verp", "no-token"])
async def test_the_relays_bounce_comes_back_to_its_message(
    settings: Settings, sessions: Sessions, redis_server: str, tenant: Tenant, to: str
) -> None:
    """The round trip: a DSN made from what the relay received fails the message, found by
    the VERP token, or else by the ENVID we asked for and our returned Message-ID."""
    async with (
        FakeSmtpServer(dsn=True) as server,
        running(mail_settings(settings, server.port), redis_server) as client,
    ):
        message_id = await sent_email(client, tenant)
        [delivered] = server.envelopes
        address = delivered.mail_from if to == "verp" else "noreply@messenger.invalid"
        response = await post_inbound(client, dsn_bounce(delivered, to=address))
        assert response.status_code == 204

    failed = await message(sessions, message_id)
    assert failed.status == "permanent-failure"
    assert failed.failure_reason and failed.failure_reason.startswith("bounce 5.1.1 550 5.1.1")
    assert not ADDRESS.search(failed.failure_reason), failed.failure_reason
