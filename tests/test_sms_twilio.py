"""The Twilio SMS channel through the real twilio SDK, against a local Twilio-compatible server."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from channels.base import OutgoingMessage, PermanentError, RecipientOptedOut, TransientError
from channels.sms_twilio import (
    OPT_OUT_CODE,
    TwilioConfig,
    TwilioSmsChannel,
    classify,
    receipt_status,
)
from tests.fakes.twilio_api import FakeTwilio
from tests.sms_support import eventually

# aiohttp 3.14 deprecates BasicAuth and `auth=`, which the twilio SDK uses: not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:(BasicAuth is deprecated|The 'auth' parameter):DeprecationWarning"
)

PHONE = "+32470123456"
BODY = "Dag Mia, we verwachten u dinsdag 3 december om 10 uur in het OCMW. Vragen? Bel ons."
CALLBACK = "https://messenger.test/webhooks/twilio/status"


def sms(message_id: str = "msg-1", to: str = PHONE) -> OutgoingMessage:
    return OutgoingMessage(message_id=message_id, kind="sms", body=BODY, to=to)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as server:
        yield server


@pytest.fixture
def config(fake: FakeTwilio) -> TwilioConfig:
    return TwilioConfig(
        account_sid=fake.account_sid,
        auth_token=fake.auth_token,
        from_number="+32460100000",
        messaging_service_sid=None,
        status_callback_url=CALLBACK,
        api_base_url=fake.base_url,
        timeout_seconds=5,
    )


@pytest.fixture
async def channel(config: TwilioConfig) -> AsyncIterator[TwilioSmsChannel]:
    async with TwilioSmsChannel(config) as opened:
        yield opened


class Receiver:
    """Our side of a webhook: records what arrives, as the application would see it."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], str]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.received.append((str(request.url), form, request.headers["X-Twilio-Signature"]))
        return web.Response(text="<Response/>", content_type="text/xml")

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_send_returns_the_sid_and_posts_to_from_body_and_callback(
    fake: FakeTwilio, channel: TwilioSmsChannel
) -> None:
    result = await channel.send(sms("msg-1"))

    assert result.provider_reference.startswith("SM") and len(result.provider_reference) == 34
    assert (result.status, result.detail) == ("sending", "twilio queued")
    [post] = fake.posts
    assert post.authorised
    assert post.path == f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
    assert post.form["To"] == PHONE
    assert post.form["From"] == "+32460100000"
    assert post.form["Body"] == BODY
    assert post.form["StatusCallback"] == f"{CALLBACK}?message_id=msg-1"
    assert "MessagingServiceSid" not in post.form
    assert fake.messages[result.provider_reference]["num_segments"] == "1"


async def test_one_client_and_one_kept_alive_connection_serve_many_sends(
    fake: FakeTwilio, channel: TwilioSmsChannel
) -> None:
    first = await channel.send(sms("msg-1"))
    second = await channel.send(sms("msg-2"))

    assert first.provider_reference != second.provider_reference
    assert fake.posts[0].remote_port == fake.posts[1].remote_port


async def test_callback_url_keeps_its_own_query(fake: FakeTwilio, config: TwilioConfig) -> None:
    config = replace(config, status_callback_url=f"{CALLBACK}?tenant=gent")
    async with TwilioSmsChannel(config) as channel:
        await channel.send(sms("msg-7"))
    assert fake.posts[0].form["StatusCallback"] == f"{CALLBACK}?tenant=gent&message_id=msg-7"


async def test_messaging_service_sends_without_from(fake: FakeTwilio, config: TwilioConfig) -> None:
    config = replace(config, from_number=None, messaging_service_sid="MG" + "0" * 32)
    async with TwilioSmsChannel(config) as channel:
        result = await channel.send(sms())

    assert (result.status, result.detail) == ("sending", "twilio accepted")
    [post] = fake.posts
    assert post.form["MessagingServiceSid"] == "MG" + "0" * 32
    assert "From" not in post.form


def test_config_needs_a_sender() -> None:
    with pytest.raises(ValueError, match="from_number or a messaging_service_sid"):
        TwilioConfig("AC1", "token", None, None, None)


async def test_wrong_credentials_are_permanent(fake: FakeTwilio, config: TwilioConfig) -> None:
    async with TwilioSmsChannel(replace(config, auth_token="wrong")) as channel:
        with pytest.raises(PermanentError) as caught:
            await channel.send(sms())
    assert caught.value.code == "20003"
    assert "authentication failed" in caught.value.reason
    assert fake.messages == {}


@pytest.mark.parametrize("code", [21211, 21606, 21608, 21610, 21612, 21614, 21635, 21408])
async def test_refusals_are_permanent_with_their_code(
    fake: FakeTwilio, channel: TwilioSmsChannel, code: int
) -> None:
    # Like Twilio, the fake's message quotes the number and body; our reason must not.
    fake.fail_next(status=400, code=code, message=f"The 'To' number {PHONE} refused: {BODY}")

    with pytest.raises(PermanentError) as caught:
        await channel.send(sms())

    assert caught.value.code == str(code)
    assert str(code) in caught.value.reason
    assert PHONE not in str(caught.value) and "Mia" not in str(caught.value)
    assert len(fake.posts) == 1
    # Only the STOP reply is an opt-out: messenger records it and sends that number no more.
    assert isinstance(caught.value, RecipientOptedOut) == (caught.value.code == OPT_OUT_CODE)
    if caught.value.code == OPT_OUT_CODE:
        assert "STOP" in caught.value.reason


async def test_invalid_number_from_the_server_itself(
    fake: FakeTwilio, channel: TwilioSmsChannel
) -> None:
    with pytest.raises(PermanentError) as caught:
        await channel.send(sms(to="0470 12 34 56"))
    assert caught.value.code == "21211"
    assert "0470" not in str(caught.value) and "0470" not in caught.value.reason


@pytest.mark.parametrize(
    ("status", "body"),
    [(429, None), (500, None), (503, None), (502, "<html>Bad Gateway</html>")],
)
async def test_overload_and_server_errors_are_transient_and_never_retried(
    fake: FakeTwilio, channel: TwilioSmsChannel, status: int, body: str | None
) -> None:
    fake.fail_next(status=status, body=body)

    with pytest.raises(TransientError) as caught:
        await channel.send(sms())

    assert f"http {status}" in caught.value.reason
    # The SDK retries inside the call it makes, so any retry would already be here.
    assert len(fake.posts) == 1


async def test_connection_refused_is_transient(config: TwilioConfig) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = replace(config, api_base_url=f"http://127.0.0.1:{closed_port}")

    async with TwilioSmsChannel(config) as channel:
        with pytest.raises(TransientError) as caught:
            await channel.send(sms())
    assert caught.value.code == "network"


async def test_a_slow_answer_times_out_quickly_and_is_transient(
    fake: FakeTwilio, config: TwilioConfig
) -> None:
    fake.delay_next(1.0)
    async with TwilioSmsChannel(replace(config, timeout_seconds=0.2)) as channel:
        started = time.monotonic()
        with pytest.raises(TransientError) as caught:
            await channel.send(sms())
        elapsed = time.monotonic() - started
        assert caught.value.code == "timeout"
        assert elapsed < 0.8
        # The same channel still works after a timeout tore down its connection.
        assert (await channel.send(sms("msg-2"))).status == "sending"
    # Why a timeout is ambiguous: the provider may still create the message we gave up on.
    await eventually(lambda: len(fake.messages) == 2, "the slow message created after all")


async def test_status_callbacks_arrive_signed_with_our_message_id(config: TwilioConfig) -> None:
    async with FakeTwilio() as fake, Receiver() as receiver:
        config = replace(
            config,
            account_sid=fake.account_sid,
            auth_token=fake.auth_token,
            api_base_url=fake.base_url,
            status_callback_url=f"{receiver.url}/webhooks/twilio/status",
        )
        async with TwilioSmsChannel(config) as channel:
            sid = (await channel.send(sms("msg-42"))).provider_reference
            answered = await fake.send_status_callback(sid, "undelivered", error_code=30003)
            assert await channel.fetch_status(sid) == "temporary-failure"

    assert answered.status == 200
    [(url, form, signature)] = receiver.received
    assert url.endswith("/webhooks/twilio/status?message_id=msg-42")
    assert form["MessageSid"] == form["SmsSid"] == sid
    assert form["MessageStatus"] == "undelivered" and form["ErrorCode"] == "30003"
    assert form["AccountSid"] == fake.account_sid and form["ApiVersion"] == "2010-04-01"
    assert RequestValidator(fake.auth_token).validate(url, form, signature)
    assert not RequestValidator("another-token").validate(url, form, signature)
    assert receipt_status(form["MessageStatus"], form.get("ErrorCode")) == "temporary-failure"


async def test_inbound_sms_arrives_signed() -> None:
    async with FakeTwilio() as fake, Receiver() as receiver:
        await fake.send_inbound(
            f"{receiver.url}/webhooks/twilio/inbound", PHONE, "+32460100000", "STOP"
        )

    [(url, form, signature)] = receiver.received
    assert (form["From"], form["To"], form["Body"], form["NumMedia"]) == (
        PHONE,
        "+32460100000",
        "STOP",
        "0",
    )
    assert form["MessageSid"].startswith("SM")
    assert RequestValidator(fake.auth_token).validate(url, form, signature)


async def test_lookup_finds_what_twilio_took_before_a_crash(
    channel: TwilioSmsChannel, fake: FakeTwilio
) -> None:
    began = datetime.now(UTC)
    assert await channel.lookup(sms(), began) is None  # nothing at Twilio yet
    taken = await channel.send(sms())
    await channel.send(replace(sms("msg-2"), body="Een ander bericht."))
    await channel.send(sms("msg-3", to="+32470999999"))
    found = await channel.lookup(sms(), began)
    assert found is not None
    assert found.provider_reference == taken.provider_reference
    assert found.status == "sending"
    # The list is read by recipient; the text and the time pick ours.
    [listing] = [r for r in fake.requests if r.method == "GET"][-1:]
    assert listing.path.endswith("/Messages.json")


async def test_lookup_ignores_the_same_text_sent_before_our_send_began(
    channel: TwilioSmsChannel, fake: FakeTwilio
) -> None:
    taken = await channel.send(sms())
    fake.messages[taken.provider_reference]["status"] = "delivered"
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert await channel.lookup(sms(), later) is None
    found = await channel.lookup(sms(), datetime.now(UTC))
    assert found is not None and found.status == "delivered"


async def test_lookup_raises_transient_when_twilio_is_away(
    channel: TwilioSmsChannel, fake: FakeTwilio
) -> None:
    fake.fail_next(status=503)
    with pytest.raises(TransientError):
        await channel.lookup(sms(), datetime.now(UTC))


@pytest.mark.parametrize(
    ("twilio_status", "error_code", "expected"),
    [
        ("accepted", None, "sending"),
        ("scheduled", None, "sending"),
        ("queued", None, "sending"),
        ("sending", None, "sending"),
        ("sent", None, "sent"),
        ("delivered", None, "delivered"),
        ("undelivered", "30001", "temporary-failure"),
        ("undelivered", "30003", "temporary-failure"),
        ("failed", "30008", "temporary-failure"),
        ("undelivered", "30004", "permanent-failure"),
        ("undelivered", "30005", "permanent-failure"),
        ("undelivered", "30006", "permanent-failure"),
        ("undelivered", "30007", "permanent-failure"),
        ("undelivered", "30034", "permanent-failure"),
        ("undelivered", None, "permanent-failure"),
        ("failed", "21610", "permanent-failure"),
        ("failed", None, "technical-failure"),
        ("failed", "", "technical-failure"),
        ("canceled", None, "technical-failure"),
        ("receiving", None, None),
        ("something-new", None, None),
    ],
)
def test_receipt_status(twilio_status: str, error_code: str | None, expected: str | None) -> None:
    assert receipt_status(twilio_status, error_code) == expected


@pytest.mark.parametrize(
    ("exc", "kind", "code"),
    [
        (TwilioRestException(400, "/x", f"{PHONE}: {BODY}", 21211), PermanentError, "21211"),
        (TwilioRestException(404, "/x", f"{PHONE}", 20404), PermanentError, "20404"),
        (TwilioRestException(429, "/x", f"{PHONE}", 20429), TransientError, "20429"),
        (TwilioRestException(503, "/x", f"{BODY}", 503), TransientError, None),
        (TimeoutError(), TransientError, "timeout"),
        (ConnectionRefusedError(111, f"refused {PHONE}"), TransientError, "network"),
    ],
)
def test_classify_keeps_personal_data_out_of_reasons(
    exc: Exception, kind: type[Exception], code: str | None
) -> None:
    error = classify(exc)
    assert isinstance(error, kind)
    assert error.code == code
    for text in (error.reason, str(error)):
        assert PHONE not in text and BODY not in text and "Mia" not in text
