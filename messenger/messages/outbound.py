"""Which channel carries a message, and the plain message it is handed.

Without provider credentials every kind goes to the sandbox outbox; a message sent with a
`test` API key never reaches a provider, whatever is configured.
"""

from __future__ import annotations

import contextlib
from typing import Protocol
from urllib.parse import urljoin

from sqlalchemy import select

from channels.base import Channel, Kind, OutgoingMessage
from channels.email_smtp import SmtpConfig, SmtpEmailChannel
from channels.letter_pdf import ENVELOPES
from channels.letter_print import PrintChannel
from channels.sandbox import SandboxChannel
from channels.sms_twilio import TwilioConfig, TwilioSmsChannel
from messenger.platform.dates import format_date
from messenger.platform.db import SyncDb
from messenger.platform.models import LetterFile, Message
from messenger.platform.settings import Settings
from messenger.wording.formatting import text_to_html, without_inset_marks
from messenger.wording.sanitise import unescape

KINDS: tuple[Kind, ...] = ("sms", "email", "letter")


class ChannelSet:
    def __init__(self, live: dict[str, Channel], sandbox: dict[str, Channel]) -> None:
        self._live = live
        self._sandbox = sandbox

    @classmethod
    def from_settings(cls, settings: Settings) -> ChannelSet:
        sandbox: dict[str, Channel] = {
            kind: SandboxChannel(
                kind,
                settings.outbox_dir,
                message_id_domain=settings.message_id_domain,
                window=ENVELOPES[settings.envelope],
            )
            for kind in KINDS
        }
        live = dict(sandbox)
        if settings.twilio_enabled:
            live["sms"] = TwilioSmsChannel(twilio_config(settings))
        if settings.smtp_host:
            live["email"] = SmtpEmailChannel(smtp_config(settings))
        if settings.print_batches:
            live["letter"] = PrintChannel()
        return cls(live=live, sandbox=sandbox)

    def for_message(self, message: Message) -> Channel:
        chosen = self._sandbox if message.key_type == "test" else self._live
        return chosen[message.kind]

    async def aclose(self) -> None:
        for channel in {id(c): c for c in [*self._live.values(), *self._sandbox.values()]}.values():
            close = getattr(channel, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()


def twilio_config(settings: Settings) -> TwilioConfig:
    assert settings.twilio_account_sid and settings.twilio_auth_token
    return TwilioConfig(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        from_number=settings.twilio_from_number,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        status_callback_url=urljoin(
            settings.public_url.rstrip("/") + "/", "webhooks/twilio/status"
        ),
        api_base_url=settings.twilio_api_base_url,
        timeout_seconds=settings.send_timeout_seconds,
    )


def smtp_config(settings: Settings) -> SmtpConfig:
    assert settings.smtp_host
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        security=settings.smtp_security,
        timeout_seconds=settings.send_timeout_seconds,
        pool_size=settings.smtp_pool_size,
        validate_certs=settings.smtp_validate_certs,
        message_id_domain=settings.message_id_domain,
    )


class Letterhead(Protocol):
    """What a letter needs of its organisation: an Organisation, or the worker's two columns."""

    @property
    def letter_sender(self) -> str | None: ...

    @property
    def letter_logo(self) -> bool: ...


def letter_sender_lines(organisation: Letterhead | None, settings: Settings) -> tuple[str, ...]:
    """The return address on the organisation's letters (Notify's letter contact block)."""
    joined = (organisation and organisation.letter_sender) or settings.letter_sender
    return tuple(line for line in joined.split("|") if line)


def made_elsewhere(session: SyncDb, /, message_ids: list[str]) -> dict[str, bytes]:
    """The PDFs of letters made elsewhere among these messages (precompiled.py); async
    callers run it with `run_sync`."""
    if not message_ids:
        return {}
    rows = session.execute(
        select(LetterFile.message_id, LetterFile.pdf).where(LetterFile.message_id.in_(message_ids))
    )
    return {message_id: pdf for message_id, pdf in rows}


def outgoing(
    message: Message,
    settings: Settings,
    organisation: Letterhead | None = None,
    pdf: bytes | None = None,
) -> OutgoingMessage:
    """The message as a channel takes it; `pdf`: a letter made elsewhere, printed as it is."""
    kind: Kind = message.kind  # type: ignore[assignment]
    # An email's sanitised values carry Markdown escapes (sanitise.py); the client reads the
    # characters themselves.
    body = unescape(message.body) if kind == "email" else message.body
    html = text_to_html(body) if kind != "sms" else None
    if kind == "email":
        body = without_inset_marks(body)  # the plain-text part: inset text without its "^"
    reply_to = return_path = None
    if kind == "email" and message.reply_token and settings.reply_domain:
        reply_to = f"reply+{message.reply_token}@{settings.reply_domain}"
        return_path = f"bounces+{message.reply_token}@{settings.reply_domain}"
    if kind == "email" and message.reply_to:
        reply_to = message.reply_to  # the organisation's own address, chosen at the send
    logo = None
    if kind == "letter" and organisation is not None and organisation.letter_logo:
        logo = str(settings.letter_logo_path) if settings.letter_logo_path else None
    sender = settings.email_from if kind == "email" else None
    if kind == "sms":
        sender = message.from_number  # chosen at the send; None: the channel's own number
    headers = {}
    if kind == "email" and message.unsubscribe_url:
        # RFC 8058: mail programs show an unsubscribe button that POSTs to the address.
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return OutgoingMessage(
        message_id=message.id,
        kind=kind,
        body=body,
        headers=headers,
        pdf=pdf,
        to=message.recipient,
        subject=message.subject,
        html=html,
        address_lines=tuple(message.address_lines or ()),
        sender_lines=letter_sender_lines(organisation, settings),
        # The day it was written, so a letter downloaded later reads the same as the printed one.
        written_on=format_date(message.created_at, message.language, weekday=False)
        if kind == "letter"
        else "",
        sender=sender,
        reply_to=reply_to,
        return_path=return_path,
        language=message.language,
        logo_path=logo,
    )
