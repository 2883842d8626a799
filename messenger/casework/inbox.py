"""The social worker's inbox: replies that still need a person, and tasks.

Every part opens tasks here when a person must act ("silence is a defect"): a reply asking to
be called, a client nobody can reach, a failed payment plan. What a reply does is decided in
messenger.inbound.reply_actions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform.models import Case, Client, ReceivedMessage, Task, utcnow
from messenger.platform.tenancy import own

SYSTEM = "messenger"  # handled_by / closed_by when Messenger itself acted
TASK_KINDS = (
    "call-back",
    "cannot-come",
    "outreach",
    "payment-plan-failed",
    "reply",
    "unreachable",
    "not-sent",
)


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


async def add_task(
    session: AsyncSession,
    organisation_id: str,
    kind: str,
    title: str,
    *,
    client_id: str | None = None,
    case_id: str | None = None,
    assigned_to: str | None = None,
) -> Task:
    """A task a person asks for: the client and case it names must be this organisation's
    (LookupError, the same answer for another's and for none at all)."""
    if client_id is not None:
        await own(session, Client, organisation_id, client_id)
    if case_id is not None:
        case = await own(session, Case, organisation_id, case_id)
        if client_id is not None and case.client_id != client_id:
            raise ValueError("case_id: this case is another client's")
    task = open_task(
        session, organisation_id, kind, title,
        client_id=client_id, case_id=case_id, assigned_to=assigned_to,
    )  # fmt: skip
    await session.flush()
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
