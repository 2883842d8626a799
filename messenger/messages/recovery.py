"""Settling a message a run left `sending` without a provider reference: the run died
during the provider call (a crash, a kill, a send timeout). Never resent blindly: the channel
is asked (`lookup`) and what it knows is recorded, or `technical-failure` when it cannot know
(SMTP), so a person can decide. The reconciler and a job that finds the lease over call it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import SendResult, TransientError
from messenger.messages import statuses
from messenger.messages.delivery import Delivery, Outcome
from messenger.messages.lifecycle import note, transition
from messenger.messages.outbound import outgoing
from messenger.platform.models import Message, Organisation, utcnow


async def recover_abandoned(delivery: Delivery, message: Message) -> Outcome:
    """A run died during the provider call: record what the provider knows, never resend."""
    channel = delivery.channels.for_message(message)
    async with delivery.sessions() as session:
        organisation = await session.get(Organisation, message.organisation_id)
    since = message.sending_started_at or message.updated_at
    try:
        async with asyncio.timeout(delivery.settings.send_timeout_seconds):
            known = await channel.lookup(outgoing(message, delivery.settings, organisation), since)
    except (TransientError, TimeoutError):
        return Outcome(
            "provider unreachable; will look again", delivery.settings.retry_base_seconds
        )
    async with delivery.sessions() as session:
        if known is not None and await _held_by_another(session, message.id, known):
            known = None  # a search by recipient and text found another message of ours
        if known is not None:
            detail = f"provider had it after an interrupted send; {known.detail}".strip("; ")
            values: dict[str, Any] = {
                "provider_reference": known.provider_reference,
                "sent_at": utcnow(),
            }
            if known.status == statuses.SENDING:
                await session.run_sync(
                    note,
                    message.id,
                    status=statuses.SENDING,
                    source="reconciler",
                    detail=detail,
                    **values,
                )
            else:
                await session.run_sync(
                    transition,
                    message.id,
                    expected=statuses.SENDING,
                    new=known.status,
                    source="reconciler",
                    detail=detail,
                    **values,
                )
            outcome = f"reconciled as {known.status}"
        else:
            await session.run_sync(
                transition,
                message.id,
                expected=statuses.SENDING,
                new=statuses.TECHNICAL_FAILURE,
                source="reconciler",
                detail="interrupted during the provider call; not resent to avoid a duplicate",
                failure_reason="interrupted send",
            )
            outcome = "technical failure after interrupted send"
        await session.commit()
    return Outcome(outcome)


async def _held_by_another(session: AsyncSession, message_id: str, known: SendResult) -> bool:
    other = await session.scalar(
        select(Message.id).where(
            Message.provider_reference == known.provider_reference, Message.id != message_id
        )
    )
    return other is not None
