"""What every channel shares: the plain outgoing message, the send result, the errors.

A channel knows nothing of the database, the queue or the web. It takes an
`OutgoingMessage`, hands it to its provider and returns a `SendResult`, or raises
`TransientError` (try again later) or `PermanentError` (never try again).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

Kind = Literal["sms", "email", "letter"]
# What a provider can tell us at the moment it accepts a message.
AcceptedStatus = Literal["sending", "sent", "delivered"]


@dataclass(frozen=True)
class OutgoingMessage:
    """A rendered message, ready for a provider. Holds no database objects."""

    message_id: str
    kind: Kind
    body: str
    # sms: E.164 phone number; email: address; letter: empty (see address_lines).
    to: str = ""
    subject: str | None = None
    html: str | None = None
    # letters: the recipient's address, one line each, the last "postcode municipality".
    address_lines: tuple[str, ...] = ()
    # letters: the return address printed outside the envelope window.
    sender_lines: tuple[str, ...] = ()
    # letters: the date line, already written in the letter's language.
    written_on: str = ""
    # letters: the organisation's logo (an image file), only when it chose to show one.
    logo_path: str | None = None
    # email: From header; sms: sender number or id.
    sender: str | None = None
    # email: Reply-To header (reply+TOKEN@domain) so replies find their message.
    reply_to: str | None = None
    # email: SMTP envelope sender (VERP, bounces+TOKEN@domain) so bounces find their message.
    return_path: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # nl | fr | en: the language the body is written in (html lang, Content-Language).
    language: str = "nl"
    # letters made elsewhere: the PDF, printed as it is (the body is not used).
    pdf: bytes | None = None


@dataclass(frozen=True)
class SendResult:
    provider_reference: str
    status: AcceptedStatus = "sending"
    # A short, personal-data-free note for the status history (e.g. the outbox file name).
    detail: str = ""


class ChannelError(Exception):
    """A provider refused or failed. The message text must not contain personal data."""

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TransientError(ChannelError):
    """Try again later: network errors, timeouts, HTTP 429/5xx, SMTP 4xx."""


class PermanentError(ChannelError):
    """Never try again: invalid recipient, opted out, SMTP 5xx, other 4xx."""


class RecipientOptedOut(PermanentError):
    """The recipient told the provider to stop (Twilio 21610): record it, send no more."""


class NotHandedOver(Exception):
    """The handover check said no (another run has the message): nothing was sent."""


# Called by a channel at the last moment before the provider gets the message, once it has a
# connection; False means "do not send". The caller records the attempt there.
Handover = Callable[[], Awaitable[bool]]


async def hand_over(handover: Handover | None) -> None:
    """Run the handover check, if any; raise NotHandedOver when it says no."""
    if handover is not None and not await handover():
        raise NotHandedOver


class Channel(Protocol):
    kind: Kind
    # "sandbox", "twilio", "smtp", ...: recorded on the message.
    name: str

    async def send(self, message: OutgoingMessage, handover: Handover | None = None) -> SendResult:
        """Hand the message to the provider, calling `hand_over(handover)` just before.
        Must not retry on its own."""
        ...

    async def lookup(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        """After a crash during `send`: did the provider get this message? None = unknown.
        `since`: when that send began, for providers searched by recipient and time."""
        ...
