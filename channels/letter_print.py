"""Letters for print batches: accepted now, printed with the day's batch, posted by hand.

Sending a letter only hands it to the batch; Messenger collates the batch at the day's
cut-off (print_batches.py) and a person marks it posted. Nothing leaves the building here,
so after a crash the "provider" always has the letter: `lookup` says so.
"""

from __future__ import annotations

from datetime import datetime

from channels.base import Handover, Kind, OutgoingMessage, SendResult, hand_over


class PrintChannel:
    kind: Kind = "letter"
    name = "print"

    async def send(self, message: OutgoingMessage, handover: Handover | None = None) -> SendResult:
        await hand_over(handover)
        return self._result(message.message_id)

    async def lookup(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        return self._result(message.message_id)

    def _result(self, message_id: str) -> SendResult:
        return SendResult(
            provider_reference=f"print:{message_id}",
            status="sending",
            detail="waiting for the print batch",
        )
