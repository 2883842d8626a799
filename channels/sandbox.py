"""The sandbox: every kind of message written to an outbox folder instead of a provider.

The default when no provider credentials are set, and always for `test` API keys.
    outbox/sms/<id>.json      the text message as JSON (to, from, body)
    outbox/email/<id>.eml     the RFC 822 email an SMTP server would have received
    outbox/letters/<id>.pdf   the printable letter
Writing is idempotent and atomic: a file appears whole or not at all, and writing the same
message twice leaves one file. `lookup` answers from the file, so after a crash Messenger
can tell whether the "provider" has the message.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import datetime
from pathlib import Path

from channels.base import AcceptedStatus, Handover, Kind, OutgoingMessage, SendResult, hand_over
from channels.email_mime import build_email
from channels.letter_pdf import DIN_5008_B, WindowField, render_letters

FOLDERS: dict[str, tuple[str, str]] = {
    "sms": ("sms", ".json"),
    "email": ("email", ".eml"),
    "letter": ("letters", ".pdf"),
}


def outbox_path(outbox_dir: Path, kind: str, message_id: str) -> Path:
    folder, suffix = FOLDERS[kind]
    return outbox_dir / folder / f"{message_id}{suffix}"


class SandboxChannel:
    name = "sandbox"

    def __init__(
        self,
        kind: Kind,
        outbox_dir: Path,
        *,
        message_id_domain: str = "messenger.invalid",
        window: WindowField = DIN_5008_B,
    ) -> None:
        self.kind: Kind = kind
        self.outbox_dir = outbox_dir
        self.message_id_domain = message_id_domain
        self.window = window

    async def send(self, message: OutgoingMessage, handover: Handover | None = None) -> SendResult:
        await hand_over(handover)
        path = outbox_path(self.outbox_dir, self.kind, message.message_id)
        if not path.exists():
            content = await asyncio.to_thread(self._content, message)
            await asyncio.to_thread(_write_atomically, path, content)
        return self._result(message.message_id)

    async def lookup(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        path = outbox_path(self.outbox_dir, self.kind, message.message_id)
        return self._result(message.message_id) if path.exists() else None

    def _result(self, message_id: str) -> SendResult:
        path = outbox_path(self.outbox_dir, self.kind, message_id)
        # A letter in the outbox is "posted"; whether it arrives nobody knows, as with bpost.
        status: AcceptedStatus = "sent" if self.kind == "letter" else "delivered"
        return SendResult(
            provider_reference=f"sandbox-{message_id}",
            status=status,
            detail=f"outbox {path.parent.name}/{path.name}",
        )

    def _content(self, message: OutgoingMessage) -> bytes:
        if self.kind == "sms":
            record = {
                "id": message.message_id,
                "to": message.to,
                "from": message.sender,
                "body": message.body,
            }
            return json.dumps(record, ensure_ascii=False, indent=2).encode() + b"\n"
        if self.kind == "email":
            email = build_email(message, message_id_domain=self.message_id_domain)
            return email.as_bytes()
        return message.pdf or render_letters([message], window=self.window)


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)
