"""The one way a message changes state: a guarded compare-and-set plus a history row.

A job that runs twice, a late provider receipt or a racing reconciler all go through
`transition`, which only succeeds from the state the caller saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import callbacks, statuses
from messenger.platform.models import Message, MessageEvent, utcnow


class IllegalTransition(ValueError):
    pass


async def transition(
    session: AsyncSession,
    message_id: str,
    *,
    expected: str | Iterable[str],
    new: str,
    source: str,
    detail: str = "",
    at: datetime | None = None,
    **values: Any,
) -> bool:
    """Move `message_id` from one of `expected` to `new`; False if it was not in `expected`.

    The caller commits. `values` are further columns to set in the same update.
    """
    expected_set = {expected} if isinstance(expected, str) else set(expected)
    for current in expected_set:
        if not statuses.can_move(current, new):
            raise IllegalTransition(f"{current} -> {new}")
    now = at or utcnow()
    if new in statuses.FINAL and "completed_at" not in values:
        values["completed_at"] = now
    # One guarded update per expected state, so the history knows which one it came from.
    for current in sorted(expected_set):
        result = await session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == current)
            .values(status=new, updated_at=now, **values)
            .returning(Message.id)
        )
        if result.first() is not None:
            session.add(
                MessageEvent(
                    message_id=message_id,
                    previous_status=current,
                    status=new,
                    source=source,
                    detail=detail,
                    occurred_at=now,
                )
            )
            # The organisation's callback hears of it: queued here, in the same transaction.
            await callbacks.message_moved(session, message_id, new, now)
            return True
    return False


async def note(
    session: AsyncSession,
    message_id: str,
    *,
    status: str,
    source: str,
    detail: str,
    at: datetime | None = None,
    **values: Any,
) -> bool:
    """A history row without a change of state (a provider's "queued", an ignored late
    receipt), setting `values` too, guarded on `status` like `transition`."""
    now = at or utcnow()
    result = await session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == status)
        .values(updated_at=now, **values)
        .returning(Message.id)
    )
    if result.first() is None:
        return False
    session.add(
        MessageEvent(
            message_id=message_id,
            previous_status=status,
            status=status,
            source=source,
            detail=detail,
            occurred_at=now,
        )
    )
    return True


def record_created(
    session: AsyncSession, message: Message, *, source: str, detail: str = ""
) -> None:
    """The first history row, written with the message itself (`detail`: why a message
    that starts failed, such as a letter that cannot be printed, failed)."""
    session.add(
        MessageEvent(
            message_id=message.id,
            previous_status=None,
            status=message.status,
            source=source,
            detail=detail,
            occurred_at=message.created_at,
        )
    )
