"""The "what works" report for one organisation and period, from the database.

Every message sent for a client is an attempt (its channel, template and variant); every
contact attempt recorded by hand is one too. "Attended" comes from the case's outcome.
The counting and the Wilson intervals are in what_works.py; this module only gathers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.aftercare.what_works import Attempt, Row, recorded_attempt, report
from messenger.messages import statuses
from messenger.platform.models import CaseEvent, ContactAttempt, Message, ReceivedMessage, Template

DELIVERED = frozenset({statuses.DELIVERED, statuses.SENT})


async def what_works(
    session: AsyncSession, organisation_id: str, start: datetime, end: datetime
) -> list[Row]:
    attended = await _attended_cases(session, organisation_id)
    replied = set(
        await session.scalars(
            select(ReceivedMessage.in_reply_to).where(
                ReceivedMessage.organisation_id == organisation_id,
                ReceivedMessage.in_reply_to.is_not(None),
            )
        )
    )
    attempts: list[Attempt] = []
    messages = await session.execute(
        select(Message, Template.name)
        .join(Template, Template.id == Message.template_id)
        .where(
            Message.organisation_id == organisation_id,
            Message.client_id.is_not(None),
            Message.created_at >= start,
            Message.created_at < end,
        )
    )
    for message, template in messages:
        attempts.append(
            Attempt(
                at=message.created_at,
                method=message.kind,
                channel=message.kind,
                template=template,
                variant=message.variant,
                delivered=message.status in DELIVERED,
                replied=message.id in replied,
                attended=message.case_id in attended,
            )
        )
    recorded = await session.scalars(
        select(ContactAttempt).where(
            ContactAttempt.organisation_id == organisation_id,
            ContactAttempt.attempted_at >= start,
            ContactAttempt.attempted_at < end,
        )
    )
    for attempt in recorded:
        attempts.append(
            recorded_attempt(
                attempt.attempted_at,
                attempt.method,
                attempt.outcome,
                attended=attempt.case_id in attended,
            )
        )
    return report(attempts)


async def _attended_cases(session: AsyncSession, organisation_id: str) -> set[str | None]:
    """Cases whose latest outcome says the client came."""
    latest: dict[str, bool] = {}
    events = await session.scalars(
        select(CaseEvent)
        .where(CaseEvent.organisation_id == organisation_id, CaseEvent.kind == "outcome")
        .order_by(CaseEvent.occurred_at)
    )
    for event in events:
        latest[event.case_id] = bool(event.details.get("attended"))
    return {case_id for case_id, came in latest.items() if came}
