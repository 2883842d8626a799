"""Fallbacks: a sent reminder whose SMS failed, or was not delivered within the step's
`fallback_after_hours`, gets a new reminder on the next channel of the plan, sent at once
(within quiet hours). A step meant for before the session falls back only until it starts.

A tick reads only the sent reminders the cron is not done with (`fallback_done`, indexed with
the status and the time sent): it is done with one once its fallback is made, once none can
be (the plan's last channel, the session began), or once its message arrived. So the tick
costs what may still fall back, not every reminder ever sent, and one that can never fall
back does not stay in the way of later ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from messenger.casework.reminder_planning import BATCH, SENT, calendar_for
from messenger.casework.reminder_plans import PlanStep, plan_for
from messenger.casework.reminder_sending import send_due
from messenger.casework.schedule import QuietHours
from messenger.messages import statuses
from messenger.messages.queue import DeliveryQueue
from messenger.platform.db import Sessions
from messenger.platform.models import Case, LacSession, Message, Reminder, utcnow

# An SMS in these has yet to arrive: it may stall.
WAITING = (statuses.CREATED, statuses.SENDING, statuses.PENDING, statuses.SENT)
# A message in these can neither fail nor stall any more.
ARRIVED = tuple(sorted(statuses.FINAL - statuses.FAILURES))


async def fall_back(
    sessions: Sessions, queue: DeliveryQueue | None, *, now: datetime | None = None
) -> int:
    """New reminders on the next channel for sent ones whose message failed or stalled."""
    now = now or utcnow()
    made = 0
    async with sessions() as session:
        await _done_when_arrived(session)
        fallback = aliased(Reminder)
        sent = list(
            await session.execute(
                select(Reminder, Message)
                .join(Message, Message.id == Reminder.message_id)
                .where(Reminder.status == SENT, Reminder.fallback_done == false())
                # Only what can still fall back: a failure, or an SMS still on its way.
                .where(
                    or_(
                        Message.status.in_(statuses.FAILURES),
                        and_(Message.kind == "sms", Message.status.in_(WAITING)),
                    )
                )
                .where(~exists().where(fallback.fallback_of == Reminder.id))
                .order_by(Reminder.updated_at)
                .limit(BATCH)
            )
        )
        known = _Known(session)
        for reminder, message in sent:
            remaining = (
                reminder.channels[reminder.channels.index(reminder.channel) + 1 :]
                if reminder.channel in reminder.channels
                else []
            )
            if not remaining:
                reminder.fallback_done = True  # the plan's last channel: nothing follows
                continue
            why = await _needs_fallback(known, reminder, message, now)
            if why is None:
                continue  # not yet, or no reason: looked at again next time
            if await _session_started(known, reminder, now):
                reminder.fallback_done = True  # too late for good
                continue
            calendar = await known.calendar(reminder.organisation_id, now)
            session.add(
                Reminder(
                    organisation_id=reminder.organisation_id,
                    case_id=reminder.case_id,
                    step=reminder.step,
                    due_at=calendar.next_allowed(now),
                    channels=remaining,
                    fallback_of=reminder.id,
                    note=f"{reminder.channel}: {why}",
                )
            )
            reminder.fallback_done = True
            made += 1
        await session.commit()
    if made:
        await send_due(sessions, queue, now=now)
    return made


async def _done_when_arrived(session: AsyncSession) -> None:
    """Sent reminders whose message arrived (delivered, …) can never fall back."""
    await session.execute(
        update(Reminder)
        .where(Reminder.status == SENT, Reminder.fallback_done == false())
        .where(exists().where(Message.id == Reminder.message_id, Message.status.in_(ARRIVED)))
        .values(fallback_done=True)
        .execution_options(synchronize_session=False)
    )


class _Known:
    """What one tick looked up already: cases, sessions, plans and calendars."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._plans: dict[str, dict[str, PlanStep]] = {}
        self._calendars: dict[str, QuietHours] = {}

    async def case(self, case_id: str) -> Case | None:
        return await self.session.get(Case, case_id)

    async def lac_session(self, case: Case | None) -> LacSession | None:
        if case is None or not case.session_id:
            return None
        return await self.session.get(LacSession, case.session_id)

    async def steps(self, organisation_id: str) -> dict[str, PlanStep]:
        if organisation_id not in self._plans:
            plan = await plan_for(self.session, organisation_id)
            self._plans[organisation_id] = {s.name: s for s in plan}
        return self._plans[organisation_id]

    async def calendar(self, organisation_id: str, now: datetime) -> QuietHours:
        if organisation_id not in self._calendars:
            self._calendars[organisation_id] = await calendar_for(
                self.session, organisation_id, now
            )
        return self._calendars[organisation_id]


async def _session_started(known: _Known, reminder: Reminder, now: datetime) -> bool:
    """A step meant for before the session has no use once it began."""
    lac = await known.lac_session(await known.case(reminder.case_id))
    return lac is not None and reminder.due_at < lac.starts_at <= now


async def _needs_fallback(
    known: _Known, reminder: Reminder, message: Message, now: datetime
) -> str | None:
    if message.status in statuses.FAILURES:
        return f"mislukt ({message.status})"
    case = await known.case(reminder.case_id)
    if case is None:
        return None
    step = (await known.steps(case.organisation_id)).get(reminder.step)
    if step is None or step.fallback_after_hours is None or message.kind != "sms":
        return None
    waiting = message.status in WAITING
    if waiting and reminder.updated_at + timedelta(hours=step.fallback_after_hours) <= now:
        return f"niet afgeleverd binnen {step.fallback_after_hours:g} uur"
    return None
