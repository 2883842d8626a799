"""The social worker's inbox: replies that need a person, and tasks.

A reply is linked to the client and case of the message it answers. What it asks for decides
what happens (replies.py reads the keyword):
- "JA" confirms the case's offered appointment; nothing left to do;
- "NEE" (cannot come) and "BEL MIJ" (call me) become tasks;
- STOP and START are handled by the opt-out flow; nothing left to do;
- anything else waits in the inbox until someone marks it handled.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger import replies
from messenger.models import Case, Message, ReceivedMessage, Task, utcnow
from messenger.tenancy import own

SYSTEM = "messenger"
TASK_KINDS = ("call-back", "cannot-come", "outreach", "payment-plan-failed", "reply")
_TASK_FOR = {
    replies.DECLINE: ("cannot-come", "Kan niet komen: zoek samen een ander moment"),
    replies.CALL: ("call-back", "Vraagt om teruggebeld te worden"),
}


async def act_on_reply(session: AsyncSession, received: ReceivedMessage) -> Task | None:
    """Link a stored reply to its client and case, and do what it asks. Caller commits."""
    await session.flush()  # the reply's id, for a task that points at it
    answered = await session.get(Message, received.in_reply_to) if received.in_reply_to else None
    if answered is not None:
        received.client_id, received.case_id = answered.client_id, answered.case_id
    if received.intent in (replies.STOP, replies.START):
        _handled(received)
        return None
    if received.intent == replies.CONFIRM:
        case = await session.get(Case, received.case_id) if received.case_id else None
        if case is not None and case.appointment_at is not None:
            case.appointment_confirmed_at = received.created_at
            _handled(received)
        return None
    if received.intent in _TASK_FOR:
        kind, title = _TASK_FOR[received.intent]
        _handled(received)
        return open_task(
            session,
            received.organisation_id,
            kind,
            title,
            client_id=received.client_id,
            case_id=received.case_id,
            received_message_id=received.id,
        )
    return None


def _handled(received: ReceivedMessage) -> None:
    received.handled_at, received.handled_by = utcnow(), SYSTEM


def open_task(
    session: AsyncSession,
    organisation_id: str,
    kind: str,
    title: str,
    *,
    client_id: str | None = None,
    case_id: str | None = None,
    received_message_id: str | None = None,
    assigned_to: str | None = None,
) -> Task:
    if kind not in TASK_KINDS:
        raise ValueError(f"kind must be one of {', '.join(TASK_KINDS)}")
    task = Task(
        organisation_id=organisation_id,
        kind=kind,
        title=title,
        client_id=client_id,
        case_id=case_id,
        received_message_id=received_message_id,
        assigned_to=assigned_to or None,
    )
    session.add(task)
    return task


async def open_items(
    session: AsyncSession, organisation_id: str, *, assigned_to: str | None = None
) -> tuple[list[ReceivedMessage], list[Task]]:
    """Replies nobody handled yet, and open tasks (optionally one worker's), oldest first."""
    replies_query = (
        select(ReceivedMessage)
        .where(
            ReceivedMessage.organisation_id == organisation_id,
            ReceivedMessage.handled_at.is_(None),
        )
        .order_by(ReceivedMessage.created_at)
    )
    tasks_query = (
        select(Task)
        .where(Task.organisation_id == organisation_id, Task.closed_at.is_(None))
        .order_by(Task.created_at)
    )
    if assigned_to:
        tasks_query = tasks_query.where(Task.assigned_to == assigned_to)
    return list(await session.scalars(replies_query)), list(await session.scalars(tasks_query))


async def close_task(
    session: AsyncSession,
    organisation_id: str,
    task_id: str,
    *,
    by: str,
    at: datetime | None = None,
) -> Task:
    task = await own(session, Task, organisation_id, task_id)
    if task.closed_at is None:
        task.closed_at, task.closed_by = at or utcnow(), by
    return task


async def mark_handled(
    session: AsyncSession, organisation_id: str, received_id: str, *, by: str
) -> ReceivedMessage:
    received = await own(session, ReceivedMessage, organisation_id, received_id)
    if received.handled_at is None:
        received.handled_at, received.handled_by = utcnow(), by
    return received
