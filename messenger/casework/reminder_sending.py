"""Sending reminders: every due step goes out on the first channel that may be used.

`send_due` (a worker cron, every tick) takes the due pending reminders, oldest first, by the
(status, due_at) index: its cost follows what is due, not how many steps are planned. Channels
are tried in the plan's order; one is passed over, with the reason noted, when the client
cannot be reached on it: no number or address, a safety flag, no consent, an SMS opt-out. The
first usable one is sent. A step that reached nobody, unforeseen, becomes a task. Every
decision is written on the reminder (`note`), so a social worker can see why. Sending twice
is harmless: each reminder's message has an idempotency key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import inbox
from messenger.casework.conditions import happened_on, why_skip
from messenger.casework.plan_values import plan_values
from messenger.casework.reachability import cannot_use
from messenger.casework.reminder_planning import (
    BATCH,
    CANCELLED,
    PENDING,
    SENT,
    SKIPPED,
    calendar_for,
)
from messenger.casework.reminder_plans import PlanStep, plan_for
from messenger.messages import consent
from messenger.messages.queue import DeliveryQueue
from messenger.messages.sending import Origin, RequestRejected, SendRequest, accept
from messenger.platform.db import Sessions
from messenger.platform.models import (
    Case,
    Client,
    LacSession,
    Message,
    Organisation,
    Reminder,
    Task,
    utcnow,
)


async def send_due(
    sessions: Sessions, queue: DeliveryQueue | None, *, now: datetime | None = None
) -> int:
    now = now or utcnow()
    async with sessions() as session:
        due = list(
            await session.scalars(
                select(Reminder.id)
                .where(Reminder.status == PENDING, Reminder.due_at <= now)
                .order_by(Reminder.due_at)
                .limit(BATCH)
            )
        )
    for reminder_id in due:
        async with sessions() as session:
            await _send_one(session, queue, reminder_id, now)
    return len(due)


async def _send_one(
    session: AsyncSession, queue: DeliveryQueue | None, reminder_id: str, now: datetime
) -> None:
    reminder = await session.get(Reminder, reminder_id)
    if reminder is None or reminder.status != PENDING:
        return
    case = await session.get(Case, reminder.case_id)
    assert case is not None
    client = await session.get(Client, case.client_id)
    lac_session = await session.get(LacSession, case.session_id) if case.session_id else None
    step = next(
        (s for s in await plan_for(session, case.organisation_id) if s.name == reminder.step), None
    )
    # The notice that the session is cancelled is the one step a cancelled session sends.
    cancelled_notice = step is not None and step.trigger == "session-cancelled"
    if (
        client is None
        or lac_session is None
        or case.status != "open"
        or (lac_session.status != "planned" and not cancelled_notice)
    ):
        await _finish(
            session, reminder, CANCELLED, "het dossier of de zitting loopt niet meer", now
        )
        return
    if reminder.due_at < lac_session.starts_at <= now and not cancelled_notice:
        # A worker that was down must not send "see you tomorrow" after the session.
        await _finish(session, reminder, SKIPPED, "te laat: de zitting is al begonnen", now)
        return
    calendar = await calendar_for(session, case.organisation_id, now)
    if not calendar.allows(now):
        # Found outside quiet hours (a worker catching up at night): wait for the morning;
        # if that is after the session, the check above skips it then.
        reminder.due_at, reminder.updated_at = calendar.next_allowed(now), utcnow()
        await session.commit()
        return
    if step is None:
        await _finish(session, reminder, SKIPPED, "deze stap staat niet meer in het plan", now)
        return
    happened = (await happened_on(session, [case]))[case.id] if step.conditional else frozenset()
    needless = _needless(step, case, now, happened)
    if needless:
        # Known and harmless: a reason on the step, not a task.
        await _finish(session, reminder, SKIPPED, needless, now)
        return
    # A fallback carries why the channel before failed; a planning-time note is stale now.
    notes = [reminder.note] if reminder.note and not reminder.expected_skip else []
    not_needed = None
    for channel in reminder.channels:
        not_needed = why_skip(step.channel_unless.get(channel, ()), happened)
        if not_needed:
            notes.append(f"{channel}: {not_needed}")
            continue
        why_not = await cannot_use(session, client, channel)
        if why_not:
            notes.append(f"{channel}: {why_not}")
            continue
        try:
            message = await _send(
                session, queue, reminder, step, channel, case, client, lac_session
            )
        except RequestRejected as exc:
            notes.append(f"{channel}: {_in_dutch(exc.message)}")
            continue
        reminder = await session.get(Reminder, reminder_id, populate_existing=True)  # type: ignore[assignment]
        assert reminder is not None
        if notes and reminder.channels[0] != channel:
            notes.append(f"verstuurd via {channel} in de plaats")
        reminder.channel, reminder.message_id = channel, message.id
        await _finish(session, reminder, SENT, "; ".join(notes), now)
        return
    if not_needed:
        # The last channel's text is not needed: the client was heard from. No task.
        await _finish(session, reminder, SKIPPED, not_needed, now)
        return
    why = "; ".join(notes) or "geen kanaal mogelijk"
    if not reminder.expected_skip:
        await _tell_someone(session, case, client, reminder.step, why)
    await _finish(session, reminder, SKIPPED, why, now)


def _needless(step: PlanStep, case: Case, now: datetime, happened: frozenset[str]) -> str | None:
    """Why this step is not needed (any more) for this case; None when it goes out."""
    has_appointment = case.appointment_at is not None
    if (step.needs_appointment or step.trigger == "appointment") and not has_appointment:
        return "geen afspraak voorgesteld"
    if step.trigger == "appointment" and case.appointment_at and case.appointment_at <= now:
        return "te laat: de afspraak is al voorbij"
    return why_skip(step.unless, happened)


async def _tell_someone(
    session: AsyncSession, case: Case, client: Client, step: str, why: str
) -> None:
    """A step that reached nobody, unforeseen, becomes a task, unless an open one already
    says so for this case: silence is a defect, but so is the same task ten times."""
    known = await session.scalar(
        select(Task.id).where(
            Task.case_id == case.id,
            Task.kind.in_(("unreachable", "not-sent")),
            Task.closed_at.is_(None),
        )
    )
    if known is None:
        name = f"{client.first_name} {client.last_name}"
        title = f"Niet verstuurd ({step}) aan {name}: {why}"
        inbox.open_task(
            session, case.organisation_id, "not-sent", title[:300],
            client_id=client.id, case_id=case.id,
        )  # fmt: skip


async def _finish(
    session: AsyncSession, reminder: Reminder, status: str, note: str, now: datetime
) -> None:
    # The scheduler's clock, not the wall clock: a fallback is timed from this moment.
    reminder.status, reminder.note, reminder.updated_at = status, note, now
    await session.commit()


async def _send(
    session: AsyncSession,
    queue: DeliveryQueue | None,
    reminder: Reminder,
    step: PlanStep,
    channel: str,
    case: Case,
    client: Client,
    lac_session: LacSession,
) -> Message:
    organisation = await session.get(Organisation, case.organisation_id)
    block = await consent.partner_block(session, client.id, case.partner_id)
    recipient = {"sms": client.phone_number, "email": client.email}.get(channel) or ""
    return await accept(
        session,
        queue,
        Origin(case.organisation_id),
        SendRequest(
            kind=channel,
            template_id=step.templates[channel],
            recipient=recipient,
            personalisation=await plan_values(session, case, client, lac_session, organisation),
            language=client.language,
            idempotency_key=f"reminder:{reminder.id}:{channel}",
            partner=block[1] if block else None,
            partner_id=block[0] if block else None,
            client_id=client.id,
            case_id=case.id,
        ),
    )


MISSING = "Missing personalisation: "


def _in_dutch(reason: str) -> str:
    """The social worker reads why a step did not go; the commonest reason, a value nobody
    filled in (the organisation's opening hours, what was agreed), in their words."""
    if reason.startswith(MISSING):
        return f"niet ingevuld: {reason.removeprefix(MISSING)}"
    return reason
