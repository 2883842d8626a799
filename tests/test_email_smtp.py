"""The SMTP channel against a real SMTP server (aiosmtpd, see tests/fakes/smtp_server.py)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiosmtplib
import pytest

from channels import email_smtp
from channels.base import (
    ChannelError,
    NotHandedOver,
    OutgoingMessage,
    PermanentError,
    TransientError,
)
from channels.email_smtp import SmtpConfig, SmtpEmailChannel, classify, xtext
from tests.fakes.smtp_server import FakeSmtpServer, free_port

DOMAIN = "berichten.ocmw-gent.example"
ADDRESS = re.compile(r"[\w.+-]+@[\w.-]+")
DSN_KEYS = ("RET=", "ENVID=", "NOTIFY=", "ORCPT=")


def outgoing(to: str = "sara.janssens@example.be", **changes: Any) -> OutgoingMessage:
    token = uuid.uuid4().hex[:12]
    fields: dict[str, Any] = {
        "message_id": str(uuid.uuid4()),
        "kind": "email",
        "to": to,
        "subject": "Uitnodiging voor een gesprek",
        "body": "Dag Sara,\n\nWe willen graag met u praten. Groeten, de cliëntendienst",
        "html": "<p>Dag Sara,</p><p>We willen graag met u praten.</p>",
        "sender": f"OCMW Gent <noreply@{DOMAIN}>",
        "reply_to": f"reply+{token}@{DOMAIN}",
        "return_path": f"bounces+{token}@{DOMAIN}",
    }
    fields.update(changes)
    return OutgoingMessage(**fields)


def config_for(server: FakeSmtpServer | int, **changes: Any) -> SmtpConfig:
    """A plain config for the fake server, or for a bare port on 127.0.0.1."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server if isinstance(server, int) else server.port,
        "username": None,
        "password": None,
        "security": "none",
        "timeout_seconds": 5,
        "pool_size": 2,
        "message_id_domain": DOMAIN,
    }
    values.update(changes)
    return SmtpConfig(**values)


@asynccontextmanager
async def channel_for(server: FakeSmtpServer, **changes: Any) -> AsyncIterator[SmtpEmailChannel]:
    async with SmtpEmailChannel(config_for(server, **changes)) as channel:
        yield channel


def assert_no_personal_data(error: ChannelError) -> None:
    assert not ADDRESS.search(error.reason), error.reason
    assert not ADDRESS.search(str(error)), str(error)
    assert error.__cause__ is None and error.__suppress_context__


async def test_message_arrives_as_multipart_with_our_headers() -> None:
    message = outgoing()
    async with FakeSmtpServer() as server, channel_for(server) as channel:
        result = await channel.send(message)

    assert result.provider_reference == f"<{message.message_id}@{DOMAIN}>"
    assert result.status == "sent"
    assert result.detail == "smtp 250 accepted"
    [envelope] = server.envelopes
    assert envelope.mail_from == message.return_path
    assert envelope.rcpt_tos == [message.to]
    received = envelope.message()
    assert received.get_content_type() == "multipart/alternative"
    assert received["Message-ID"] == result.provider_reference
    assert received["Reply-To"] == message.reply_to
    assert received["From"] == message.sender
    assert received["To"] == message.to
    assert received["Subject"] == message.subject
    text = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert text is not None and "cliëntendienst" in text.get_content()
    assert html is not None and "We willen graag met u praten." in html.get_content()


async def test_envelope_sender_falls_back_to_from_address() -> None:
    async with FakeSmtpServer() as server, channel_for(server) as channel:
        await channel.send(outgoing(return_path=None))
    assert server.envelopes[0].mail_from == f"noreply@{DOMAIN}"


async def test_dsn_is_asked_for_when_advertised() -> None:
    message = outgoing(to="an+lac@example.be")
    async with FakeSmtpServer(dsn=True) as server, channel_for(server) as channel:
        await channel.send(message)
    [envelope] = server.envelopes
    assert "RET=HDRS" in envelope.mail_options
    assert f"ENVID={message.message_id}" in envelope.mail_options
    assert envelope.rcpt_options == ["NOTIFY=FAILURE,DELAY", "ORCPT=rfc822;an+2Blac@example.be"]


async def test_no_dsn_options_when_not_advertised() -> None:
    async with FakeSmtpServer(dsn=False) as server, channel_for(server) as channel:
        await channel.send(outgoing())
    [envelope] = server.envelopes
    assert envelope.rcpt_options == []
    # Only what aiosmtplib adds for SIZE and 8BITMIME, which aiosmtpd advertises.
    assert not [o for o in envelope.mail_options if o.upper().startswith(DSN_KEYS)]
    assert all(o.startswith(("SIZE=", "BODY=")) for o in envelope.mail_options)


@pytest.mark.parametrize(
    ("stage", "reply", "error", "code"),
    [
        ("RCPT", "451 4.3.0 try later", TransientError, "451"),
        ("RCPT", "550 5.1.1 <sara.janssens@example.be>: no such user", PermanentError, "550"),
        ("MAIL", "452 4.3.1 insufficient storage", TransientError, "452"),
        ("DATA", "554 5.6.0 message refused for sara.janssens@example.be", PermanentError, "554"),
        ("DATA", "451 4.3.0 local error", TransientError, "451"),
    ],
)
async def test_refusals_are_classified(
    stage: Any, reply: str, error: type[ChannelError], code: str
) -> None:
    async with FakeSmtpServer() as server, channel_for(server) as channel:
        server.reply_next(reply, stage=stage)
        with pytest.raises(error) as caught:
            await channel.send(outgoing())
        assert caught.value.code == code
        assert caught.value.reason.startswith(f"smtp {code} {reply.split()[1]}")
        assert_no_personal_data(caught.value)
        # The next message goes through; after a refusal the same session is reused.
        await channel.send(outgoing())
    assert len(server.envelopes) == 1
    assert server.connections == 1


async def test_a_server_that_is_down_is_transient() -> None:
    async with SmtpEmailChannel(config_for(free_port())) as channel:
        with pytest.raises(TransientError) as caught:
            await channel.send(outgoing())
    assert caught.value.reason == "smtp server unreachable"
    assert_no_personal_data(caught.value)


async def test_a_silent_server_times_out() -> None:
    writers: list[asyncio.StreamWriter] = []

    async def say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.read()

    listener = await asyncio.start_server(say_nothing, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    async with listener, SmtpEmailChannel(config_for(port, timeout_seconds=0.3)) as channel:
        with pytest.raises(TransientError) as caught:
            await channel.send(outgoing())
    for writer in writers:
        writer.close()
    assert caught.value.reason == "smtp timeout"


async def test_pool_reuses_its_connections() -> None:
    async with FakeSmtpServer() as server, channel_for(server, pool_size=2) as channel:
        for _ in range(10):
            await channel.send(outgoing())
    assert len(server.envelopes) == 10
    assert server.connections == 1


async def test_a_connection_in_steady_use_is_not_checked_before_each_send() -> None:
    async with FakeSmtpServer() as server, channel_for(server) as channel:
        for _ in range(5):
            await channel.send(outgoing())
    assert (server.connections, server.noops, len(server.envelopes)) == (1, 0, 5)


async def test_an_idle_connection_is_checked_before_reuse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(email_smtp, "NOOP_AFTER_IDLE_SECONDS", 0.0)
    async with FakeSmtpServer() as server, channel_for(server) as channel:
        for _ in range(3):
            await channel.send(outgoing())
    assert (server.connections, server.noops, len(server.envelopes)) == (1, 2, 3)


async def test_parallel_sends_share_the_pool() -> None:
    messages = [outgoing() for _ in range(10)]
    async with FakeSmtpServer() as server, channel_for(server, pool_size=2) as channel:
        results = await asyncio.gather(*(channel.send(m) for m in messages))
    assert {r.provider_reference for r in results} == {
        f"<{m.message_id}@{DOMAIN}>" for m in messages
    }
    received = {e.message()["Message-ID"] for e in server.envelopes}
    assert received == {r.provider_reference for r in results}
    assert server.connections <= 2


async def test_reconnects_after_the_server_drops_the_connection() -> None:
    async with FakeSmtpServer() as server, channel_for(server) as channel:
        await channel.send(outgoing())
        await server.drop_connections()
        await channel.send(outgoing())
    assert len(server.envelopes) == 2
    assert server.connections == 2


async def test_starttls_and_login() -> None:
    async with (
        FakeSmtpServer(tls="starttls", auth=("ocmw-gent", "geheim")) as server,
        channel_for(
            server,
            security="starttls",
            username="ocmw-gent",
            password="geheim",
            validate_certs=False,
        ) as channel,
    ):
        await channel.send(outgoing())
    [envelope] = server.envelopes
    assert envelope.tls and envelope.login == "ocmw-gent"


async def test_starttls_is_required_when_asked_for() -> None:
    async with FakeSmtpServer() as server, channel_for(server, security="starttls") as channel:
        with pytest.raises(TransientError):
            await channel.send(outgoing())
    assert server.envelopes == []


async def test_implicit_tls_with_login() -> None:
    async with (
        FakeSmtpServer(tls="tls", auth=("ocmw-gent", "geheim")) as server,
        channel_for(
            server, security="tls", username="ocmw-gent", password="geheim", validate_certs=False
        ) as channel,
    ):
        await channel.send(outgoing())
    [envelope] = server.envelopes
    assert envelope.tls and envelope.login == "ocmw-gent"


async def test_a_refused_login_is_transient() -> None:
    async with (
        FakeSmtpServer(auth=("ocmw-gent", "geheim")) as server,
        channel_for(server, username="ocmw-gent", password="fout") as channel,
    ):
        with pytest.raises(TransientError) as caught:
            await channel.send(outgoing())
    assert caught.value.code == "535"
    assert caught.value.reason == "smtp 535 login refused"


async def test_lookup_cannot_know_and_closed_channel_refuses() -> None:
    async with FakeSmtpServer() as server:
        channel = SmtpEmailChannel(config_for(server))
        assert await channel.lookup(outgoing(), datetime.now(UTC)) is None
        await channel.send(outgoing())
        await channel.aclose()
        with pytest.raises(TransientError):
            await channel.send(outgoing())


ADDR = "sara.janssens@example.be"


@pytest.mark.parametrize(
    ("make", "kind", "code"),
    [
        (
            lambda: aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(450, f"4.2.0 <{ADDR}> greylisted", ADDR)]
            ),
            TransientError,
            "450",
        ),
        (
            lambda: aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, f"5.1.1 <{ADDR}> unknown", ADDR)]
            ),
            PermanentError,
            "550",
        ),
        (lambda: aiosmtplib.SMTPSenderRefused(553, f"bad {ADDR}", ADDR), PermanentError, "553"),
        (lambda: aiosmtplib.SMTPDataError(452, "4.3.1 full"), TransientError, "452"),
        (lambda: aiosmtplib.SMTPSenderRefused(530, "5.7.0 auth", ADDR), TransientError, "530"),
        (lambda: aiosmtplib.SMTPServerDisconnected(f"lost {ADDR}"), TransientError, None),
        (lambda: aiosmtplib.SMTPReadTimeoutError(f"slow {ADDR}"), TransientError, None),
        (lambda: ConnectionResetError(f"reset {ADDR}"), TransientError, None),
        (lambda: aiosmtplib.SMTPNotSupported(f"utf8 {ADDR}"), PermanentError, None),
        (lambda: ValueError(f"bad address {ADDR}"), PermanentError, None),
    ],
)
def test_classify(make: Callable[[], BaseException], kind: type[ChannelError], code: str) -> None:
    error = classify(make())
    assert type(error) is kind
    assert error.code == code
    assert not ADDRESS.search(error.reason)


def test_xtext() -> None:
    assert xtext("an+lac=1@example.be") == "an+2Blac+3D1@example.be"
    assert xtext("a b") == "a+20b"


async def test_the_handover_comes_only_with_a_working_connection() -> None:
    """The message is claimed (`sending`) only when the relay is there to take it: a send
    that waits for a connection, or finds the relay down, has claimed nothing."""
    seen: list[int] = []
    async with FakeSmtpServer() as server:
        channel = SmtpEmailChannel(config_for(server, pool_size=1))

        async def handover() -> bool:
            seen.append(server.connections)
            return True

        server.data_delay = 0.3
        first = asyncio.create_task(channel.send(outgoing(), handover))
        second = asyncio.create_task(channel.send(outgoing(), handover))
        await asyncio.sleep(0.1)
        assert seen == [1]  # the second waits for the one connection, unclaimed
        await asyncio.gather(first, second)
        assert seen == [1, 1]
        await channel.aclose()

    down = SmtpEmailChannel(config_for(free_port()))
    with pytest.raises(TransientError):
        await down.send(outgoing(), handover)
    assert seen == [1, 1]  # a relay that is down never saw a claim


async def test_a_refused_handover_sends_nothing_and_keeps_the_connection() -> None:
    async with FakeSmtpServer() as server:
        channel = SmtpEmailChannel(config_for(server))

        async def another_run_has_it() -> bool:
            return False

        with pytest.raises(NotHandedOver):
            await channel.send(outgoing(), another_run_has_it)
        await channel.send(outgoing())
        await channel.aclose()
    assert len(server.envelopes) == 1
    assert server.connections == 1
