"""Channels for reliability tests: the real sandbox channel, with a script of failures in front.

They stand in for a provider's behaviour (refusing, failing for a while, being slow); the
code under test — delivery, retries, the queue, the database — is all real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from channels.base import ChannelError, Handover, Kind, OutgoingMessage, SendResult, hand_over
from channels.sandbox import SandboxChannel
from messenger.messages.outbound import ChannelSet


class ScriptedChannel:
    """Raises the scripted errors in turn (None = pass through), then passes everything through."""

    def __init__(
        self,
        real: SandboxChannel,
        script: Sequence[ChannelError | None] = (),
        *,
        delay: float = 0.0,
        name: str = "scripted",
    ) -> None:
        self.kind: Kind = real.kind
        self.name = name
        self.real = real
        self.script = list(script)
        self.delay = delay
        self.calls: list[str] = []

    async def send(self, message: OutgoingMessage, handover: Handover | None = None) -> SendResult:
        await hand_over(handover)  # the scripted failures come from the provider, after it
        self.calls.append(message.message_id)
        if self.delay:
            await asyncio.sleep(self.delay)
        step = self.script.pop(0) if self.script else None
        if step is not None:
            raise step
        return await self.real.send(message)

    async def lookup(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        return await self.real.lookup(message, since)


def channel_set(live: dict[str, ScriptedChannel], sandbox: dict[str, SandboxChannel]) -> ChannelSet:
    return ChannelSet(live=dict(live), sandbox=dict(sandbox))  # type: ignore[arg-type]
