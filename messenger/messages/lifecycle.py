"""The one way a message changes state: a guarded compare-and-set plus a history row.

A job that runs twice, a late provider receipt or a racing reconciler all go through
`transition`, which only succeeds from the state the caller saw.

Both functions take a session or a plain connection and write with Core statements: the
worker's send path runs them on a connection, without the ORM's unit of work, in a
transaction that runs in one step (db.Transactions). They are plain functions: async code
runs them with `await session.run_sync(transition, ...)`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from messenger.messages import callbacks, statuses
from messenger.platform.db import SyncDb
from messenger.platform.models import Message, MessageEvent, utcnow


class IllegalTransition(ValueError):
    pass


def transition(
    db: SyncDb,
    /,
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
        if _guarded_update(db, message_id, current, status=new, updated_at=now, **values):
            _history(db, message_id, current, new, source, detail, now)
            # The organisation's callback hears of it: queued here, in the same transaction.
            callbacks.message_moved(db, message_id, new, now)
            return True
    return False


def note(
    db: SyncDb,
    /,
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
    if not _guarded_update(db, message_id, status, updated_at=now, **values):
        return False
    _history(db, message_id, status, status, source, detail, now)
    return True


def _guarded_update(db: SyncDb, message_id: str, current: str, **values: Any) -> bool:
    """Set `values` if the message is still `current`; whether it was."""
    if isinstance(db, Session):
        # In a session, the ORM keeps the messages it holds in step with the update.
        statement = (
            update(Message)
            .where(Message.id == message_id, Message.status == current)
            .values(**values)
            .returning(Message.id)
        )
        return db.execute(statement).first() is not None
    params = {f"v_{key}": value for key, value in values.items()}
    prepared = _update_statement(tuple(sorted(values)))
    result = db.execute(prepared, {"m_id": message_id, "m_current": current, **params})
    return result.first() is not None


@functools.lru_cache(maxsize=64)
def _update_statement(keys: tuple[str, ...]) -> Update:
    """Built once per set of columns: on the worker's path, building and hashing a statement
    cost more than running it."""
    return (
        update(Message)
        .where(Message.id == bindparam("m_id"), Message.status == bindparam("m_current"))
        .values({key: bindparam(f"v_{key}") for key in keys})
        .returning(Message.id)
    )


_INSERT_EVENT = insert(MessageEvent)


def _history(
    db: SyncDb, message_id: str, previous: str, status: str, source: str, detail: str, at: datetime
) -> None:
    event = {
        "message_id": message_id,
        "previous_status": previous,
        "status": status,
        "source": source,
        "detail": detail,
        "occurred_at": at,
    }
    db.execute(_INSERT_EVENT, event)


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
