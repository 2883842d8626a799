"""Email complaints end to end: an email sent through the API and the real worker to an SMTP
relay, then the mailbox provider's spam report (ARF, RFC 5965) for it delivered to our own
SMTP listener (`messenger smtp-inbound`) or the inbound webhook. The complaint is stored once,
the social worker sees a task on Vandaag and on the client's page, and the organisation's
system (a local HTTP server) gets GOV.UK Notify's complaint callback with its bearer token.
A report for no email of ours, or one that cannot be read, is logged and dropped."""

from __future__ import annotations

import logging
import re
import typing
from collections.abc import AsyncIterator
from pathlib import Path

import aiosmtplib
import httpx
import pytest
from sqlalchemy import select

from messenger.api import callbacks as callback_routes
from messenger.inbound.complaints import TASK_TITLE
from messenger.messages import callbacks
from messenger.platform.db import Sessions
from messenger.platform.models import CallbackDelivery, Complaint, Task
from messenger.platform.settings import Settings
from tests.email_support import (
    REPLY_DOMAIN,
    eventually,
    history,
    listening,
    mail_settings,
    message,
    post_inbound,
    running,
    sent_email,
)
from tests.fakes.callback_receiver import CallbackReceiver
from tests.fakes.smtp_server import FakeSmtpServer, ReceivedEnvelope
from tests.support import Tenant
from tests.test_cli import make_cli
from tests.web.support import make_person, sign_in

TOKEN = "dossier-systeem-sleutel-7f3a9c"
ADDRESS = "sara.janssens@example.be"
NOTIFY_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
COMPLAINT_KEYS = {"notification_id", "complaint_id", "reference", "to", "complaint_date"}
FEEDBACK_LOOP = "fbl@feedback.mail.example.net"
SEEN = "Heeft onze e-mail als spam gemeld"


@pytest.fixture
async def relay() -> AsyncIterator[FakeSmtpServer]:
    async with FakeSmtpServer() as server:
        yield server


@pytest.fixture
async def receiver() -> AsyncIterator[CallbackReceiver]:
    async with CallbackReceiver() as running_receiver:
        yield running_receiver


@pytest.fixture
def config(settings: Settings, relay: FakeSmtpServer) -> Settings:
    """Mail through the relay; the worker looks for due callbacks every second."""
    return mail_settings(
        settings, relay.port, callback_poll_seconds=1, callback_timeout_seconds=2.0
    )


@pytest.fixture
async def client(
    config: Settings, sessions: Sessions, redis_server: str
) -> AsyncIterator[httpx.AsyncClient]:
    async with running(config, redis_server) as api:
        yield api


@pytest.fixture
async def listener(config: Settings, sessions: Sessions) -> AsyncIterator[int]:
    async with listening(config) as port:
        yield port


def spam_report(
    delivered: ReceivedEnvelope,
    *,
    feedback: str = "Feedback-Type: abuse\nUser-Agent: MailboxFBL/2.1\nVersion: 1\n",
    headers_only: bool = False,
) -> bytes:
    """A mailbox provider's ARF report about the mail the relay delivered: the original as it
    arrived (the provider adds Return-Path), with the client's address redacted, as
    providers do."""
    original = f"Return-Path: <{delivered.mail_from}>\n" + delivered.content.decode()
    original = original.replace("\r\n", "\n").replace(delivered.rcpt_tos[0], "redacted@redacted")
    if headers_only:
        original = original.split("\n\n", 1)[0] + "\n"
    kind = "text/rfc822-headers" if headers_only else "message/rfc822"
    parts = [
        "Content-Type: text/plain; charset=utf-8\n\n"
        "This is an email abuse report for an email message received from IP 192.0.2.25.\n",
        "Content-Type: message/feedback-report\n\n"
        + feedback
        + f"Original-Mail-From: <{delivered.mail_from}>\n"
        "Arrival-Date: Tue, 8 Dec 2026 11:24:05 +0100\nSource-IP: 192.0.2.25\n"
        "Reported-Domain: messenger.invalid\n",
        f"Content-Type: {kind}\n\n{original}",
    ]
    head = (
        f"From: Feedback Loop <{FEEDBACK_LOOP}>\nTo: fbl@{REPLY_DOMAIN}\n"
        "Subject: Email Feedback Report for IP 192.0.2.25\nMIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=ARF\n"
    )
    body = "".join(f"--ARF\n{part}\n" for part in parts) + "--ARF--\n"
    return (head + "\n" + body).encode()


async def deliver(port: int, raw: bytes) -> None:
    """As the provider's feedback loop does: to the address it was given at our domain."""
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as smtp:
        await smtp.sendmail(FEEDBACK_LOOP, [f"fbl@{REPLY_DOMAIN}"], raw)


async def stored(sessions: Sessions, table: type[typing.Any]) -> list[typing.Any]:
    async with sessions() as session:
        return list(await session.scalars(select(table)))


def our_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith(("messenger", "worker"))
    )


async def test_a_spam_report_is_recorded_called_back_and_shown_to_the_social_worker(
    client: httpx.AsyncClient,
    listener: int,
    relay: FakeSmtpServer,
    receiver: CallbackReceiver,
    sessions: Sessions,
    tenant: Tenant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    made = await client.post(
        "/v2/organisation/callbacks",
        json={"callback_type": "complaint", "url": receiver.url("/klacht"), "bearer_token": TOKEN},
        headers=tenant.headers(),
    )
    assert made.status_code == 201, made.text
    sara = await client.post(
        "/v2/clients",
        json={"first_name": "Sara", "last_name": "Janssens", "email": ADDRESS},
        headers=tenant.headers(),
    )
    assert sara.status_code == 201, sara.text
    message_id = await sent_email(
        client, tenant, email_address=ADDRESS, reference="dossier-2026-0412"
    )
    [delivered] = relay.envelopes

    await deliver(listener, spam_report(delivered))
    [call] = await eventually(lambda: _received(receiver))

    [complaint] = await stored(sessions, Complaint)
    assert (complaint.message_id, complaint.organisation_id, complaint.complaint_type) == (
        message_id,
        tenant.organisation_id,
        "abuse",
    )
    assert call.path == "/klacht" and call.token == TOKEN and set(call.body) == COMPLAINT_KEYS
    assert call.body == {
        "notification_id": message_id,
        "complaint_id": complaint.id,
        "reference": "dossier-2026-0412",
        "to": ADDRESS,
        "complaint_date": "2026-12-08T10:24:05.000000Z",  # the report's Arrival-Date, in UTC
    }
    assert NOTIFY_TIME.match(call.body["complaint_date"])
    # Nothing is stopped (as in Notify): the email stays sent, with the complaint in its history.
    sent = await message(sessions, message_id)
    assert sent.status == "sent"
    assert (await history(sessions, message_id))[-1].detail == "complaint abuse"
    # The social worker sees it where they look first, and on the client's page.
    [task] = await stored(sessions, Task)
    assert (task.client_id, task.title, task.closed_at) == (sara.json()["id"], TASK_TITLE, None)
    person = await make_person(sessions, tenant.organisation_id, "an@ocmw.be")
    async with httpx.AsyncClient(base_url=client.base_url, timeout=30) as browser:
        assert (await sign_in(browser, person)).status_code == 303
        today = await browser.get("/")
        page = await browser.get(f"/clienten/{task.client_id}")
    assert today.status_code == 200 and SEEN in today.text
    assert page.status_code == 200 and f"Taak: {SEEN}" in page.text
    # Said in the log, without the address; the token never.
    log = our_log(caplog)
    assert f"complaint {complaint.id} (abuse) recorded for message {message_id}" in log
    assert "inbound mail taken as complaint" in log
    assert ADDRESS not in log and TOKEN not in log
    # And the next email to that address still goes.
    assert await sent_email(client, tenant, email_address=ADDRESS)


async def _received(receiver: CallbackReceiver) -> list[typing.Any]:
    found = receiver.received()
    assert found, "no complaint callback yet"
    return found


async def test_the_same_report_twice_through_the_webhook_is_one_complaint(
    client: httpx.AsyncClient, relay: FakeSmtpServer, sessions: Sessions, tenant: Tenant
) -> None:
    """The other door, and the original's headers only: found by our Message-ID and the
    bounce address in Return-Path; a report sent again changes nothing."""
    message_id = await sent_email(client, tenant)
    raw = spam_report(relay.envelopes[-1], headers_only=True)

    for _ in range(2):
        response = await post_inbound(client, raw)
        assert response.status_code == 204, response.text

    assert [c.message_id for c in await stored(sessions, Complaint)] == [message_id]
    [task] = await stored(sessions, Task)
    assert task.title == TASK_TITLE and task.client_id is None  # a plain API send
    assert await stored(sessions, CallbackDelivery) == []  # no complaint callback set


async def test_a_report_for_an_unknown_message_is_logged_and_dropped(
    client: httpx.AsyncClient,
    listener: int,
    relay: FakeSmtpServer,
    sessions: Sessions,
    tenant: Tenant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await sent_email(client, tenant, email_address=ADDRESS)
    delivered = relay.envelopes[-1]
    # Another sender's email: no token of ours, a Message-ID of another domain.
    content = re.sub(
        rb"[0-9a-f]{16}@" + REPLY_DOMAIN.encode(), b"x@elders.example", delivered.content
    )
    content = content.replace(b"@messenger.invalid>", b"@elders.example>")
    foreign = ReceivedEnvelope(
        "bounces@elders.example", delivered.rcpt_tos, [], [], content, None, False
    )

    await deliver(listener, spam_report(foreign))

    assert await stored(sessions, Complaint) == [] and await stored(sessions, Task) == []
    log = our_log(caplog)
    assert "inbound complaint (abuse) matches no message; dropped" in log
    assert ADDRESS not in log and "elders.example" not in log


@pytest.mark.parametrize(
    "feedback",
    [
        pytest.param("Version: 1\n", id="no-feedback-type"),
        pytest.param("Feedback-Type: \x00\xff<script>\n", id="garbage-type"),
    ],
)
async def test_a_malformed_report_is_told_in_the_log_and_dropped(
    client: httpx.AsyncClient,
    listener: int,
    relay: FakeSmtpServer,
    sessions: Sessions,
    tenant: Tenant,
    caplog: pytest.LogCaptureFixture,
    feedback: str,
) -> None:
    caplog.set_level(logging.INFO)
    message_id = await sent_email(client, tenant)

    await deliver(listener, spam_report(relay.envelopes[-1], feedback=feedback))
    # The listener took it (250) and is still there for the next report.
    await deliver(listener, spam_report(relay.envelopes[-1]))

    [complaint] = await stored(sessions, Complaint)
    assert complaint.message_id == message_id
    log = our_log(caplog)
    assert "inbound feedback report (ARF) unreadable: no usable Feedback-Type; dropped" in log
    assert "inbound mail taken as malformed" in log


async def test_a_truncated_report_does_not_stop_the_listener(
    listener: int, sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    raw = (
        b"From: fbl@feedback.mail.example.net\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF\n\n'
        b"--ARF\nContent-Type: message/feedback-report\nContent-Transfer-Encoding: base64\n\n!!"
    )

    await deliver(listener, raw)

    assert await stored(sessions, Complaint) == []
    assert "inbound mail taken as" in our_log(caplog)


def test_the_api_and_the_cli_take_complaint_callbacks(tmp_path: Path) -> None:
    assert typing.get_args(callback_routes.CallbackType) == callbacks.KINDS
    assert callbacks.COMPLAINT in callbacks.KINDS
    cli = make_cli(tmp_path)
    org = cli("org", "create", "OCMW Gent").out.strip()
    kind = ("--org", org, "--kind", "complaint")

    made = cli("callbacks", "set", *kind, "--url", "https://dossiers.ocmw.example/klacht",
               "--token", TOKEN)  # fmt: skip
    listed = cli("callbacks", "list", "--org", org)
    removed = cli("callbacks", "remove", *kind)

    assert made.code == 0, made.err
    assert listed.code == 0 and "complaint" in listed.out
    assert TOKEN not in made.out + listed.out
    assert removed.code == 0, removed.err
