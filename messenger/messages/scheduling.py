"""Cancelling a scheduled message before it goes out (the one way a sender takes back a
message): only while it waits for its moment, never once a worker has it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import lifecycle, statuses
from messenger.messages.sending import RequestRejected
from messenger.platform.models import Message
from messenger.platform.tenancy import own


async def cancel_scheduled(
    session: AsyncSession, organisation_id: str, message_id: str, now: datetime
) -> Message:
    """Cancelled, or a 400 saying why not. Caller commits."""
    message = await own(session, Message, organisation_id, message_id)
    waiting = message.scheduled_for is not None and message.scheduled_for > now
    moved = waiting and await session.run_sync(
        lifecycle.transition,
        message.id,
        expected=statuses.CREATED,
        new=statuses.CANCELLED,
        source="api",
        detail="cancelled by the sender before its scheduled time",
        at=now,
    )
    if not moved:
        raise RequestRejected(
            "Notification cannot be cancelled: only a scheduled notification that has not "
            f"gone out yet can be (this one is {message.status})"
        )
    await session.refresh(message)
    return message
