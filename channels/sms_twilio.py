"""SMS through Twilio's Messages API, with the official SDK in async mode (twilio 9.x).

What the SDK does not do for us, and this module does:
- Time: the SDK passes `timeout=None` to aiohttp, which means *no* timeout at all (not even
  aiohttp's 5-minute default); the client-level `timeout` is ignored. Every call is wrapped
  in `asyncio.timeout`.
- Retries: `AsyncTwilioHttpClient(max_retries=n)` wraps the session in aiohttp-retry, which
  retries POSTs on 5xx and would send an SMS twice. We leave `max_retries` unset (a plain
  aiohttp session; aiohttp itself only re-sends idempotent methods) and let the queue retry.
- Privacy: Twilio's error messages quote the phone number; reasons here are built from the
  error code and a fixed description only.

A status callback URL carries `?message_id=<our id>`, so a receipt finds its message even
when the worker died before it stored the SID.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels.base import (
    AcceptedStatus,
    ChannelError,
    Handover,
    Kind,
    OutgoingMessage,
    PermanentError,
    RecipientOptedOut,
    SendResult,
    TransientError,
    hand_over,
)

# The recipient replied STOP: Twilio refuses every further SMS from this sender.
OPT_OUT_CODE = "21610"

# Fixed, personal-data-free descriptions for the codes we expect to meet.
DESCRIPTIONS: dict[str, str] = {
    "20003": "authentication failed",
    "20404": "resource not found",
    "20429": "too many requests",
    "20500": "Twilio internal error",
    "20503": "Twilio unavailable",
    "21211": "invalid 'To' phone number",
    "21408": "SMS to this region is not enabled",
    "21602": "message body is required",
    "21606": "'From' number cannot send SMS to this destination",
    "21608": "'To' number is not verified (trial account)",
    OPT_OUT_CODE: "recipient opted out (replied STOP)",
    "21612": "'To' number is not reachable by SMS from this sender",
    "21614": "'To' number is not a mobile number",
    "21617": "message body is too long",
    "21635": "'To' number is a landline",
    "30001": "queue overflow",
    "30003": "handset unreachable",
    "30004": "message blocked",
    "30005": "unknown destination handset",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier",
    "30008": "unknown delivery error",
}

# Receipt error codes that may clear up by themselves (handset off, queue overflow, unknown).
TEMPORARY_RECEIPT_CODES = frozenset({"30001", "30003", "30008"})
# Statuses Twilio reports when it accepts a message; anything else becomes "accepted".
# After a crash: how many of the number's latest messages to read, and how much earlier than
# our send Twilio's clock may have stamped it.
LOOKUP_LIMIT = 50
LOOKUP_SKEW = timedelta(minutes=2)
_SETTLED: dict[str | None, AcceptedStatus] = {"sent": "sent", "delivered": "delivered"}
_ACCEPTED_WORDS = frozenset({"accepted", "scheduled", "queued", "sending", "sent"})


def describe(code: str | None) -> str:
    """A short fixed text for a Twilio error code, safe for logs and status history."""
    if not code:
        return "no error code"
    return f"twilio {code}: {DESCRIPTIONS.get(code, 'see twilio.com/docs/errors/' + code)}"


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    from_number: str | None
    messaging_service_sid: str | None
    # Our webhook; `message_id=<id>` is appended to its query. None: no per-message callback.
    status_callback_url: str | None
    # A Twilio-compatible server (tests, local runs). None: the real api.twilio.com.
    api_base_url: str | None = None
    timeout_seconds: float = 30

    def __post_init__(self) -> None:
        if not (self.from_number or self.messaging_service_sid):
            raise ValueError("Twilio needs a from_number or a messaging_service_sid")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


class TwilioSmsChannel:
    """One SDK client (one pooled aiohttp session), created on first use inside the loop."""

    kind: Kind = "sms"
    name = "twilio"

    def __init__(self, config: TwilioConfig) -> None:
        self.config = config
        self._http: AsyncTwilioHttpClient | None = None
        self._client: Any = None

    def _twilio(self) -> Any:
        # Built lazily: aiohttp's ClientSession must be created with a running event loop.
        if self._client is None:
            # max_retries stays None on purpose: see the module docstring.
            self._http = AsyncTwilioHttpClient(max_retries=None)
            client = Client(
                self.config.account_sid,
                self.config.auth_token,
                account_sid=self.config.account_sid,
                http_client=self._http,
            )
            if self.config.api_base_url:
                client.api.base_url = self.config.api_base_url.rstrip("/")
                # TWILIO_EDGE/TWILIO_REGION from the environment would rewrite the host.
                client.edge = None
                client.region = None
            self._client = client
        return self._client

    async def send(self, message: OutgoingMessage, handover: Handover | None = None) -> SendResult:
        if message.kind != "sms":
            raise PermanentError(f"twilio channel cannot send {message.kind}")
        options: dict[str, str] = {}
        if self.config.status_callback_url:
            options["status_callback"] = callback_url(
                self.config.status_callback_url, message.message_id
            )
        if self.config.messaging_service_sid:
            options["messaging_service_sid"] = self.config.messaging_service_sid
        sender = message.sender or self.config.from_number
        if sender:
            options["from_"] = sender
        await hand_over(handover)
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                created = await self._twilio().messages.create_async(
                    to=message.to, body=message.body, **options
                )
        except Exception as exc:
            raise classify(exc) from exc
        status = str(created.status)
        return SendResult(
            provider_reference=str(created.sid),
            status="sending",
            detail=f"twilio {status if status in _ACCEPTED_WORDS else 'accepted'}",
        )

    async def lookup(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        """Did Twilio take this message before our send died? Its list cannot be searched
        by our id, so we read the latest messages to the same number and take the oldest
        with the same text made after our send began (less `LOOKUP_SKEW` for clock
        differences). A status callback would also find it, by its `?message_id=`."""
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                recent = await self._twilio().messages.list_async(to=message.to, limit=LOOKUP_LIMIT)
        except Exception as exc:
            raise classify(exc) from exc
        earliest = since - LOOKUP_SKEW
        found = [
            m
            for m in recent
            if m.body == message.body
            and m.date_created is not None
            and m.date_created >= earliest
            and str(m.direction).startswith("outbound")
        ]
        if not found:
            return None
        first = min(found, key=lambda m: m.date_created)
        # Sent or delivered we record now; anything else waits for its receipt.
        status = _SETTLED.get(receipt_status(str(first.status), None), "sending")
        return SendResult(str(first.sid), status, f"twilio {first.status}")

    async def fetch_status(self, provider_reference: str) -> str | None:
        """Our status name for a message Twilio knows by its SID (for a reconciler)."""
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                fetched = await self._twilio().messages(provider_reference).fetch_async()
        except Exception as exc:
            raise classify(exc) from exc
        code = None if fetched.error_code is None else str(fetched.error_code)
        return receipt_status(str(fetched.status), code)

    async def aclose(self) -> None:
        """Close the pooled aiohttp session. A later send opens a new one."""
        if self._http is not None:
            await self._http.close()
        self._http = None
        self._client = None

    async def __aenter__(self) -> TwilioSmsChannel:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def callback_url(base: str, message_id: str) -> str:
    """`base` with `message_id=<id>` added to its query (an existing query is kept)."""
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "message_id"]
    query.append(("message_id", message_id))
    return urlunsplit(parts._replace(query=urlencode(query)))


def classify(exc: BaseException) -> ChannelError:
    """Turn whatever a send raised into TransientError (retry) or PermanentError (stop).

    HTTP 429 and 5xx are transient, every other HTTP error permanent (21211 invalid number,
    20003 bad credentials, ...); 21610 (replied STOP) is the permanent `RecipientOptedOut`.
    Network errors and timeouts are transient: the POST may or may not have reached Twilio;
    the queue's bounded retries decide.
    """
    if isinstance(exc, ChannelError):
        return exc
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status = int(exc.status)
        code = str(exc.code) if exc.code is not None else None
        if code == str(status):
            code = None  # the SDK puts the HTTP status there when the body had no code
        reason = describe(code) if code else f"twilio http {status}"
        if status == 429 or status >= 500:
            return TransientError(f"{reason} (http {status})", code=code)
        if code == OPT_OUT_CODE:
            # Its own class: messenger records the opt-out, not just a failed message.
            return RecipientOptedOut(f"{reason} (http {status})", code=code)
        return PermanentError(f"{reason} (http {status})", code=code or str(status))
    if isinstance(exc, TimeoutError):
        return TransientError("twilio did not answer in time", code="timeout")
    if isinstance(exc, aiohttp.ClientError | OSError):
        # The type name only: OSError texts can carry host names, never personal data,
        # but keep the reason short and fixed anyway.
        return TransientError(f"twilio unreachable ({type(exc).__name__})", code="network")
    return TransientError(f"twilio call failed ({type(exc).__name__})", code="unexpected")


def receipt_status(twilio_status: str, error_code: str | None) -> str | None:
    """Map a Twilio status (callback `MessageStatus` or a fetched message) to our names.

    ================================  ============================  ===================
    Twilio status                     ErrorCode                     our status
    ================================  ============================  ===================
    accepted, scheduled, queued,      -                             sending
    sending
    sent                              -                             sent
    delivered, read (RCS/WhatsApp)    -                             delivered
    undelivered, failed               30001, 30003, 30008           temporary-failure
    undelivered, failed               30004-30007, any other code   permanent-failure
    undelivered                       none                          permanent-failure
    failed                            none                          technical-failure
    canceled                          -                             technical-failure
    anything else (receiving, ...)    -                             None (ignore)
    ================================  ============================  ===================
    """
    status = twilio_status.strip().lower()
    code = (error_code or "").strip() or None
    if status in {"accepted", "scheduled", "queued", "sending"}:
        return "sending"
    if status == "sent":
        return "sent"
    if status in {"delivered", "read"}:
        return "delivered"
    if status in {"undelivered", "failed"}:
        if code in TEMPORARY_RECEIPT_CODES:
            return "temporary-failure"
        if code is None and status == "failed":
            return "technical-failure"
        return "permanent-failure"
    if status == "canceled":
        return "technical-failure"
    return None


def signature_is_valid(auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    """Twilio's own check of `X-Twilio-Signature` (HMAC-SHA1 of the URL and sorted params)."""
    return bool(RequestValidator(auth_token).validate(url, params, signature))
