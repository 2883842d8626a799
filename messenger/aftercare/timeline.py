"""One client's story in time order: messages, replies, attempts, consent, case events, tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform.models import (
    Case,
    CaseEvent,
    Client,
    ConsentRecord,
    ContactAttempt,
    Message,
    ReceivedMessage,
    Task,
)


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # message | reply | attempt | consent | case-event | task
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


async def timeline(session: AsyncSession, client: Client) -> list[Entry]:
    entries: list[Entry] = []
    for message in await session.scalars(select(Message).where(Message.client_id == client.id)):
        entries.append(
            Entry(
                message.created_at,
                "message",
                f"{message.kind}: {message.status}",
                {
                    "id": message.id,
                    "channel": message.kind,
                    "status": message.status,
                    "case_id": message.case_id,
                },
            )
        )
    for reply in await session.scalars(
        select(ReceivedMessage).where(ReceivedMessage.client_id == client.id)
    ):
        entries.append(
            Entry(
                reply.created_at,
                "reply",
                f"{reply.kind}-antwoord ({reply.intent})",
                {"id": reply.id, "content": reply.content, "handled": reply.handled_at is not None},
            )
        )
    for attempt in await session.scalars(
        select(ContactAttempt).where(ContactAttempt.client_id == client.id)
    ):
        entries.append(
            Entry(
                attempt.attempted_at,
                "attempt",
                f"{attempt.method}: {attempt.outcome}",
                {
                    "id": attempt.id,
                    "method": attempt.method,
                    "outcome": attempt.outcome,
                    "note": attempt.note,
                    "by": attempt.recorded_by,
                },
            )
        )
    for record in await session.scalars(
        select(ConsentRecord).where(ConsentRecord.client_id == client.id)
    ):
        state = "gegeven" if record.given else "ingetrokken"
        entries.append(
            Entry(
                record.recorded_at,
                "consent",
                f"toestemming {record.purpose} {state}",
                {"partner_id": record.partner_id, "by": record.recorded_by},
            )
        )
    case_ids = list(await session.scalars(select(Case.id).where(Case.client_id == client.id)))
    if case_ids:
        for event in await session.scalars(
            select(CaseEvent).where(CaseEvent.case_id.in_(case_ids))
        ):
            entries.append(
                Entry(
                    event.occurred_at,
                    "case-event",
                    event.kind,
                    {"case_id": event.case_id, "source": event.source, **event.details},
                )
            )
    for task in await session.scalars(select(Task).where(Task.client_id == client.id)):
        entries.append(
            Entry(
                task.created_at,
                "task",
                task.title,
                {"id": task.id, "kind": task.kind, "closed": task.closed_at is not None},
            )
        )
    return sorted(entries, key=lambda e: e.at)
