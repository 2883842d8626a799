"""Provider receipts (Twilio callbacks, bounces, returned letters) move a message forward only.

A receipt that is late, repeated or out of order is kept in the history and changes nothing
(ARCHITECTURE.md). Every different receipt, applied or not, leaves a row in `message_events`;
the very same one replayed leaves none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import statuses
from messenger.messages.lifecycle import note, transition
from messenger.platform.models import Message, MessageEvent

APPLIED = "applied"
IGNORED = "ignored"
UNKNOWN = "unknown"
# A racing worker can change the state between our read and our update: read again.
_RACE_RETRIES = 3


async def apply_receipt(
    session: AsyncSession,
    message_id: str,
    new_status: str,
    *,
    source: str,
    detail: str,
    provider_reference: str | None = None,
) -> str:
    """Record a receipt; returns APPLIED, IGNORED or UNKNOWN (no such message). Caller commits."""
    for _ in range(_RACE_RETRIES):
        message = await session.get(Message, message_id, populate_existing=True)
        if message is None:
            return UNKNOWN
        current = message.status
        values: dict[str, Any] = {}
        if provider_reference and not message.provider_reference:
            values["provider_reference"] = provider_reference
        if statuses.can_move(current, new_status):
            if new_status in statuses.FAILURES:
                values["failure_reason"] = detail
            moved = await session.run_sync(
                transition,
                message_id,
                expected=current,
                new=new_status,
                source=source,
                detail=detail,
                **values,
            )
            if moved:
                return APPLIED
            continue
        why = "" if new_status == current else f" (ignored: already {current})"
        if await _seen(session, message_id, source, detail + why):
            return IGNORED  # the very same receipt again (a replay): one row is enough
        if await session.run_sync(
            note, message_id, status=current, source=source, detail=detail + why, **values
        ):
            return APPLIED if new_status == current else IGNORED
    return IGNORED


async def _seen(session: AsyncSession, message_id: str, source: str, detail: str) -> bool:
    found = await session.scalar(
        select(MessageEvent.id)
        .where(
            MessageEvent.message_id == message_id,
            MessageEvent.source == source,
            MessageEvent.detail == detail,
        )
        .limit(1)
    )
    return found is not None
