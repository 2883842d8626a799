"""A local HTTP server that speaks enough of Twilio's REST API for the real twilio SDK.

    async with FakeTwilio() as fake:
        config = TwilioConfig(fake.account_sid, fake.auth_token, ..., api_base_url=fake.base_url)
        fake.fail_next(status=400, code=21610)      # the next request gets this error
        fake.delay_next(2.0)                        # the next request answers 2 s late
        ...
        await fake.send_status_callback(sid, "delivered")   # signed like Twilio signs it

Shapes follow Twilio's Message resource and its legacy JSON errors
({"code", "message", "more_info", "status"}); like Twilio, error messages quote the phone
number, so tests can prove our reasons never repeat it.
"""

from __future__ import annotations

import asyncio
import base64
import math
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from tests.fakes.local_http import LocalHttpServer

API_VERSION = "2010-04-01"
MESSAGES = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>AC\w+)/Messages(?:/(?P<sid>\w+))?\.json$"
)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
DEFAULT_CODES = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def num_segments(body: str) -> int:
    """SMS segments as Twilio counts them (GSM-7 160/153, else UCS-2 70/67)."""
    if all(c in GSM7 or c in GSM7_EXTENSION for c in body):
        length, single, part = sum(2 if c in GSM7_EXTENSION else 1 for c in body), 160, 153
    else:
        length, single, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if length <= single else math.ceil(length / part)


def new_sid(prefix: str = "SM") -> str:
    return prefix + uuid.uuid4().hex


def rfc2822_now() -> str:
    return format_datetime(datetime.now(UTC).replace(microsecond=0), usegmt=False)


@dataclass
class Received:
    """One request as the fake saw it."""

    method: str
    path: str
    form: dict[str, str]
    authorised: bool
    # The client's source port: the same port twice means one kept-alive connection.
    remote_port: int | None


@dataclass
class Delivered:
    """A webhook the fake sent, and what the receiver answered."""

    url: str
    params: dict[str, str]
    signature: str
    status: int
    text: str


@dataclass
class _Step:
    delay: float = 0.0
    status: int | None = None
    code: int | None = None
    message: str | None = None
    body: str | None = None


@dataclass
class FakeTwilio(LocalHttpServer):
    account_sid: str = field(default_factory=lambda: new_sid("AC"))
    auth_token: str = field(default_factory=lambda: uuid.uuid4().hex)
    # The number a Messaging Service picks from its sender pool.
    pool_number: str = "+32460200000"
    requests: list[Received] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    inbound: list[dict[str, str]] = field(default_factory=list)
    # Seconds every request takes before it is handled (a slow provider).
    delay_all: float = 0.0
    _script: deque[_Step] = field(default_factory=deque)
    # (until, status): an outage; requests before `until` (monotonic) get `status`.
    _spells: list[tuple[float, int]] = field(default_factory=list)

    @property
    def posts(self) -> list[Received]:
        return [r for r in self.requests if r.method == "POST"]

    # -- scripting -------------------------------------------------------------------------

    def fail_next(
        self,
        *,
        status: int,
        code: int | None = None,
        message: str | None = None,
        body: str | None = None,
    ) -> None:
        """The next request gets this error; `body` replaces the JSON (e.g. an HTML page)."""
        self._script.append(_Step(status=status, code=code, message=message, body=body))

    def answer_for(self, seconds: float, status: int) -> None:
        """Every request for `seconds` gets `status` (429, 503, ...), after earlier spells."""
        start = max([time.monotonic(), *(until for until, _ in self._spells)])
        self._spells.append((start + seconds, status))

    @property
    def outage_over(self) -> bool:
        return all(time.monotonic() >= until for until, _ in self._spells)

    def delay_next(self, seconds: float) -> None:
        """The next request is handled normally, `seconds` late (the message is still made)."""
        self._script.append(_Step(delay=seconds))

    # -- the server (local_http.py) --------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self._handle)

    # -- the REST API ----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        # Compared as the whole header: the SDK sends HTTP Basic with the sid and token.
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        authorised = request.headers.get("Authorization") == f"Basic {expected}"
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.requests.append(
            Received(request.method, request.path, form, authorised, peer[1] if peer else None)
        )
        spell = next((s for until, s in self._spells if time.monotonic() < until), None)
        if spell is not None:
            return self._error(spell, None, None)
        step = self._script.popleft() if self._script else _Step()
        if step.delay or self.delay_all:
            await asyncio.sleep(step.delay or self.delay_all)
        if step.status is not None:
            return self._error(step.status, step.code, step.message, step.body)
        if not authorised:
            return self._error(401, 20003, "Authenticate")
        match = MESSAGES.match(request.path)
        if match is None or match["account"] != self.account_sid:
            return self._error(404, 20404, f"The requested resource {request.path} was not found")
        if request.method == "POST" and match["sid"] is None:
            return self._create(form)
        if request.method == "GET" and match["sid"] is None:
            return self._list(request)
        if request.method == "GET" and match["sid"] in self.messages:
            return web.json_response(_public(self.messages[match["sid"]]))
        return self._error(404, 20404, f"The requested resource {request.path} was not found")

    def _create(self, form: dict[str, str]) -> web.Response:
        to, body = form.get("To", ""), form.get("Body", "")
        service, sender = form.get("MessagingServiceSid"), form.get("From")
        if not to:
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not E164.match(to):
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not (service or sender):
            return self._error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return self._error(400, 21602, "Message body is required.")
        sid, now = new_sid(), rfc2822_now()
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json"
        message: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": str(num_segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # Twilio answers "accepted" while a Messaging Service still has to pick a sender.
            "status": "accepted" if service and not sender else "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": to,
            "uri": uri,
        }
        self.messages[sid] = message
        # Kept beside the resource, as Twilio keeps it: not part of the JSON it returns.
        self.messages[sid]["_status_callback"] = form.get("StatusCallback")
        return web.json_response(_public(message), status=201)

    def _list(self, request: web.Request) -> web.Response:
        """The Messages list, newest first, filtered by To as Twilio filters it."""
        to = request.query.get("To")
        size = min(int(request.query.get("PageSize", "50")), 1000)
        found = [m for m in reversed(self.messages.values()) if to is None or m["to"] == to]
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json?PageSize={size}"
        page = found[:size]
        return web.json_response(
            {
                "messages": [_public(m) for m in page],
                "end": max(len(page) - 1, 0),
                "first_page_uri": f"{uri}&Page=0",
                "next_page_uri": None,
                "page": 0,
                "page_size": size,
                "previous_page_uri": None,
                "start": 0,
                "uri": uri,
            }
        )

    def _error(
        self, status: int, code: int | None, message: str | None, body: str | None = None
    ) -> web.Response:
        if body is not None:
            return web.Response(status=status, text=body, content_type="text/html")
        code = code if code is not None else DEFAULT_CODES.get(status, status)
        payload = {
            "code": code,
            "message": message or f"Error {code}",
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return web.json_response(payload, status=status)

    # -- webhooks to the application -------------------------------------------------------

    async def send_status_callback(
        self, sid: str, status: str, error_code: int | str | None = None
    ) -> Delivered:
        """POST a status callback for message `sid` to its StatusCallback, signed."""
        message = self.messages[sid]
        url = message["_status_callback"]
        if not url:
            raise ValueError(f"message {sid} was sent without a StatusCallback")
        message["status"] = status
        message["error_code"] = int(error_code) if error_code is not None else None
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": self.account_sid,
            "To": message["to"],
            "From": message["from"] or self.pool_number,
            "ApiVersion": API_VERSION,
        }
        if message["messaging_service_sid"]:
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return await self._post_signed(url, params)

    async def send_inbound(self, to_url: str, from_: str, to: str, body: str) -> Delivered:
        """POST an incoming SMS to `to_url` as Twilio's messaging webhook does, signed."""
        sid = new_sid()
        params = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": str(num_segments(body)),
            "FromCountry": "BE",
            "ToCountry": "BE",
            **dict.fromkeys(("FromCity", "FromState", "FromZip", "ToCity", "ToState", "ToZip"), ""),
            "ApiVersion": API_VERSION,
        }
        self.inbound.append(params)
        return await self._post_signed(to_url, params)

    async def _post_signed(self, url: str, params: dict[str, str]) -> Delivered:
        # Twilio signs the full URL it calls (query included) followed by the sorted params.
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        headers = {"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=params, headers=headers) as response,
        ):
            return Delivered(url, params, signature, response.status, await response.text())


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if not k.startswith("_")}
