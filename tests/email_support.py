"""Helpers for the email integration tests (test_email_flow.py, test_email_replies.py).

The whole stack runs for real: the API over HTTP, an arq worker on Redis, the database of the
`settings` fixture and an SMTP relay (tests/fakes/smtp_server.py) the worker sends through.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import select

from messenger.cli.runner import running_api, running_worker, server_url
from messenger.inbound.smtp_receiver import serve_smtp
from messenger.platform.db import Sessions
from messenger.platform.models import Message, MessageEvent, ReceivedMessage
from messenger.platform.settings import Settings
from tests.fakes.smtp_server import ReceivedEnvelope, free_port
from tests.support import Tenant, email_body, wait_for_status

REPLY_DOMAIN = "antwoord.ocmw.example"
SECRET = "s3cret"
FIXTURES = Path(__file__).parent / "fixtures" / "mail"
# The placeholders the fixtures were written with: (token, message id, Message-ID domain).
PLACEHOLDERS = {
    "bounce_postfix_user_unknown.eml": ("3f9c2a7b1e4d8a60", "6f1c2b9e-4a7d-4e3b-9c1a-2d5e8f7a0b13"),
    "delay_exchange_447.eml": ("c5a8e1f3d7b90246", "2b7d4f1a-8c3e-4d9b-a6f0-1e5c7b3d9a28"),
    "auto_reply_nl_out_of_office.eml": (
        "1a2b3c4d5e6f7089",
        "d7e8f9a0-b1c2-4d3e-8f4a-5b6c7d8e9f01",
    ),
    "reply_nl_gmail.eml": ("3f9c2a7b1e4d8a60", "6f1c2b9e-4a7d-4e3b-9c1a-2d5e8f7a0b13"),
}
FIXTURE_ID_DOMAIN = "berichten.ocmw.example"
ADDRESS = re.compile(r"[\w.+-]+@[\w.-]+")
T = TypeVar("T")


def mail_settings(settings: Settings, smtp_port: int, **changes: Any) -> Settings:
    """The test settings, sending through the fake relay on `smtp_port`."""
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_security": "none",
        "reply_domain": REPLY_DOMAIN,
        "inbound_email_secret": SECRET,
        **changes,
    }
    return settings.model_copy(update=values)


@asynccontextmanager
async def running(
    settings: Settings, redis_url: str, *, worker: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """The API (and a worker) with these settings; yields an HTTP client for the API."""
    async with (
        running_api(settings, redis_url) as server,
        httpx.AsyncClient(base_url=server_url(server), timeout=10) as client,
    ):
        if not worker:
            yield client
            return
        async with running_worker(settings, redis_url):
            yield client


async def send_email(client: httpx.AsyncClient, tenant: Tenant, **extra: Any) -> str:
    response = await client.post(
        "/v2/notifications/email", json=email_body(**extra), headers=tenant.headers()
    )
    assert response.status_code == 201, response.text
    message_id: str = response.json()["id"]
    return message_id


async def sent_email(client: httpx.AsyncClient, tenant: Tenant, **extra: Any) -> str:
    """Send one email through the worker and the relay; returns its id once it is `sent`."""
    message_id = await send_email(client, tenant, **extra)
    final = await wait_for_status(client, tenant, message_id)
    assert final["status"] == "sent", final
    return message_id


async def message(sessions: Sessions, message_id: str) -> Message:
    async with sessions() as session:
        found = await session.get(Message, message_id)
    assert found is not None
    return found


async def history(sessions: Sessions, message_id: str) -> list[MessageEvent]:
    async with sessions() as session:
        rows = await session.scalars(
            select(MessageEvent)
            .where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.occurred_at, MessageEvent.id)
        )
        return list(rows)


async def received(sessions: Sessions) -> list[ReceivedMessage]:
    async with sessions() as session:
        rows = await session.scalars(select(ReceivedMessage).order_by(ReceivedMessage.created_at))
        return list(rows)


def fixture_mail(name: str, found: Message, *, id_domain: str = "messenger.invalid") -> bytes:
    """A fixture from tests/fixtures/mail about `found`: its token, id and Message-ID domain."""
    token, placeholder_id = PLACEHOLDERS[name]
    assert found.reply_token
    raw = (FIXTURES / name).read_bytes()
    raw = raw.replace(token.encode(), found.reply_token.encode())
    raw = raw.replace(placeholder_id.encode(), found.id.encode())
    raw = raw.replace(placeholder_id.upper().encode(), found.id.upper().encode())
    return raw.replace(FIXTURE_ID_DOMAIN.encode(), id_domain.encode())


def reply_mail(
    text: str,
    *,
    to: str,
    sender: str = "sara@example.be",
    in_reply_to: str | None = None,
    mail_id: str = "<antwoord-1@mail.example.be>",
) -> bytes:
    headers = [
        f"From: Sara Janssens <{sender}>",
        f"To: {to}",
        "Subject: Re: Uitnodiging voor een gesprek bij het OCMW",
        f"Message-ID: {mail_id}",
        "Date: Tue, 8 Dec 2026 11:24:05 +0100",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
    ]
    if in_reply_to:
        headers += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
    quoted = "Op di 8 dec. 2026 om 10:00 schreef OCMW <noreply@messenger.invalid>:\n\n> Dag Sara,\n"
    return ("\r\n".join(headers) + "\r\n\r\n" + text + "\r\n\r\n" + quoted).encode()


async def post_inbound(
    client: httpx.AsyncClient, raw: bytes, *, authorization: str | None = f"Bearer {SECRET}"
) -> httpx.Response:
    headers = {"Content-Type": "message/rfc822"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return await client.post("/webhooks/email/inbound", content=raw, headers=headers)


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 15) -> T:
    """Poll `check` until it stops raising AssertionError; re-raise the last one at the end."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.05)


def answer_to(delivered: ReceivedEnvelope, text: str, *, mail_id: str) -> bytes:
    """The client's answer to the mail the relay received, as a mail client writes it."""
    original = delivered.message()
    body = original.get_body(preferencelist=("plain",))
    assert body is not None
    quoted = "".join(f"> {line}\n" for line in body.get_content().splitlines())
    return reply_mail(
        f"{text}\n\nOp di 8 dec. 2026 om 10:00 schreef OCMW <{original['Reply-To']}>:\n\n{quoted}",
        to=f"OCMW <{original['Reply-To']}>",
        sender=delivered.rcpt_tos[0],
        in_reply_to=str(original["Message-ID"]),
        mail_id=mail_id,
    )


def dsn_bounce(delivered: ReceivedEnvelope, *, to: str, status: str = "5.1.1") -> bytes:
    """A relay's DSN (RFC 3464) for the mail it received, with that mail returned whole."""
    envid = [o.partition("=")[2] for o in delivered.mail_options if o.startswith("ENVID=")]
    recipient = delivered.rcpt_tos[0]
    parts = [
        "Content-Type: text/plain; charset=utf-8\n\n"
        f"Your message could not be delivered to <{recipient}>.\n",
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; relay.ocmw.example\n"
        + "".join(f"Original-Envelope-Id: {e}\n" for e in envid)
        + f"\nFinal-Recipient: rfc822; {recipient}\nAction: failed\nStatus: {status}\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: user unknown\n",
        "Content-Type: message/rfc822\n\n" + delivered.content.decode(),
    ]
    head = (
        "From: Mail Delivery System <MAILER-DAEMON@relay.ocmw.example>\n"
        f"To: {to}\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=BOUNDARY\n"
    )
    body = "".join(f"--BOUNDARY\n{part}\n" for part in parts) + "--BOUNDARY--\n"
    return (head + "\n" + body).encode()


@contextlib.asynccontextmanager
async def listening(settings: Settings) -> AsyncIterator[int]:
    """`messenger smtp-inbound` on a free port, as an asyncio task; yields the port."""
    port = free_port()
    task = asyncio.create_task(serve_smtp(settings, "127.0.0.1", port))

    async def accepting() -> None:
        assert not task.done(), task
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError as exc:
            raise AssertionError(f"listener not up: {exc}") from exc
        writer.close()

    try:
        await eventually(accepting)
        yield port
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
