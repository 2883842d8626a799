"""Which channel carries a message, and the plain message it is handed (DESIGN.md §2).

Without provider credentials every kind goes to the sandbox outbox; a message sent with a
`test` API key never reaches a provider, whatever is configured.
"""

from __future__ import annotations

from channels.base import Channel, Kind, OutgoingMessage
from channels.sandbox import SandboxChannel
from messenger.dates import format_date
from messenger.formatting import text_to_html
from messenger.models import Message, utcnow
from messenger.settings import Settings


class ChannelSet:
    def __init__(self, live: dict[str, Channel], sandbox: dict[str, Channel]) -> None:
        self._live = live
        self._sandbox = sandbox

    @classmethod
    def from_settings(cls, settings: Settings) -> ChannelSet:
        kinds: tuple[Kind, ...] = ("sms", "email", "letter")
        sandbox: dict[str, Channel] = {
            kind: SandboxChannel(
                kind, settings.outbox_dir, message_id_domain=settings.message_id_domain
            )
            for kind in kinds
        }
        # Provider channels (Twilio, SMTP, print) join here when their settings are present.
        return cls(live=dict(sandbox), sandbox=sandbox)

    def for_message(self, message: Message) -> Channel:
        chosen = self._sandbox if message.key_type == "test" else self._live
        return chosen[message.kind]


def outgoing(message: Message, settings: Settings) -> OutgoingMessage:
    kind: Kind = message.kind  # type: ignore[assignment]
    html = text_to_html(message.body) if kind != "sms" else None
    return OutgoingMessage(
        message_id=message.id,
        kind=kind,
        body=message.body,
        to=message.recipient,
        subject=message.subject,
        html=html,
        address_lines=tuple(message.address_lines or ()),
        sender_lines=tuple(line for line in settings.letter_sender.split("|") if line),
        written_on=format_date(utcnow(), message.language, weekday=False)
        if kind == "letter"
        else "",
        sender=settings.email_from if kind == "email" else None,
        language=message.language,
    )
