"""Fallbacks: a sent reminder whose SMS failed, or was not delivered within the step's
`fallback_after_hours`, gets a new reminder on the next channel of the plan, sent at once
(within quiet hours). A step meant for before the session falls back only until it starts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from messenger.casework.reminder_plans import plan_for
from messenger.casework.reminders import BATCH, SENT, calendar_for, send_due
from messenger.messages import statuses
from messenger.messages.queue import DeliveryQueue
from messenger.platform.db import Sessions
from messenger.platform.models import Case, LacSession, Message, Reminder, utcnow


async def fall_back(
    sessions: Sessions, queue: DeliveryQueue | None, *, now: datetime | None = None
) -> int:
    """New reminders on the next channel for sent ones whose message failed or stalled."""
    now = now or utcnow()
    made = 0
    async with sessions() as session:
        waiting = (statuses.CREATED, statuses.SENDING, statuses.PENDING, statuses.SENT)
        fallback = aliased(Reminder)
        sent = list(
            await session.execute(
                select(Reminder, Message)
                .join(Message, Message.id == Reminder.message_id)
                .where(Reminder.status == SENT)
                # Only what can still fall back: a failure, or an SMS still on its way.
                .where(
                    or_(
                        Message.status.in_(statuses.FAILURES),
                        and_(Message.kind == "sms", Message.status.in_(waiting)),
                    )
                )
                .where(~exists().where(fallback.fallback_of == Reminder.id))
                .order_by(Reminder.updated_at)
                .limit(BATCH)
            )
        )
        for reminder, message in sent:
            remaining = (
                reminder.channels[reminder.channels.index(reminder.channel) + 1 :]
                if reminder.channel in reminder.channels
                else []
            )
            if not remaining:
                continue
            why = await _needs_fallback(session, reminder, message, now)
            if why is None or await _session_started(session, reminder, now):
                continue
            session.add(
                Reminder(
                    organisation_id=reminder.organisation_id,
                    case_id=reminder.case_id,
                    step=reminder.step,
                    due_at=(
                        await calendar_for(session, reminder.organisation_id, now)
                    ).next_allowed(now),
                    channels=remaining,
                    fallback_of=reminder.id,
                    note=f"{reminder.channel}: {why}",
                )
            )
            made += 1
        await session.commit()
    if made:
        await send_due(sessions, queue, now=now)
    return made


async def _session_started(session: AsyncSession, reminder: Reminder, now: datetime) -> bool:
    """A step meant for before the session has no use once it began."""
    case = await session.get(Case, reminder.case_id)
    lac = await session.get(LacSession, case.session_id) if case and case.session_id else None
    return lac is not None and reminder.due_at < lac.starts_at <= now


async def _needs_fallback(
    session: AsyncSession, reminder: Reminder, message: Message, now: datetime
) -> str | None:
    if message.status in statuses.FAILURES:
        return f"mislukt ({message.status})"
    case = await session.get(Case, reminder.case_id)
    if case is None:
        return None
    steps = {s.name: s for s in await plan_for(session, case.organisation_id)}
    step = steps.get(reminder.step)
    if step is None or step.fallback_after_hours is None or message.kind != "sms":
        return None
    waiting = message.status in (
        statuses.CREATED,
        statuses.SENDING,
        statuses.PENDING,
        statuses.SENT,
    )
    if waiting and reminder.updated_at + timedelta(hours=step.fallback_after_hours) <= now:
        return f"niet afgeleverd binnen {step.fallback_after_hours:g} uur"
    return None
