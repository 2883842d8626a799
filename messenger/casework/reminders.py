"""Reminders: a plan's steps for each case, sent when due on the first channel that may be used.

- Scheduling (`schedule_case`, `reschedule_session`) writes one pending row per step still
  ahead, at the Brussels time the plan and the quiet hours give (schedule.py).
- `send_due` (a worker cron) sends every due reminder. Channels are tried in the plan's order;
  one is passed over, with the reason noted, when the client cannot be reached on it: no
  number or address, a safety flag, no consent, an SMS opt-out. The first usable one is sent.
- Fallbacks to the next channel when an SMS fails or stalls are in fallbacks.py.
Every decision is written on the reminder (`note`), so a social worker can see why.
Sending twice is harmless: each reminder's message has an idempotency key.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import inbox
from messenger.casework.calendar import calendar_of
from messenger.casework.conditions import happened_on, why_skip
from messenger.casework.plan_values import plan_values
from messenger.casework.reachability import cannot_use, facts_about, why_not
from messenger.casework.reminder_plans import TIMED_BEFORE, PlanStep, plan_for
from messenger.casework.schedule import QuietHours, plan_times, working_days_after
from messenger.messages import consent
from messenger.messages.queue import DeliveryQueue
from messenger.messages.sending import Origin, RequestRejected, SendRequest, accept
from messenger.platform.dates import BRUSSELS
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

log = logging.getLogger(__name__)
PENDING, SENT, CANCELLED, SKIPPED = "pending", "sent", "cancelled", "skipped"
BATCH = 200


async def calendar_for(session: AsyncSession, organisation_id: str, now: datetime) -> QuietHours:
    return calendar_of(await session.get(Organisation, organisation_id), today=now.date())


async def schedule_case(
    session: AsyncSession,
    case: Case,
    lac_session: LacSession,
    *,
    now: datetime | None = None,
    triggers: tuple[str, ...] = TIMED_BEFORE,
) -> list[Reminder]:
    """Pending reminders for every step still ahead (a client added late gets the rest),
    timed from the session, and from the case's appointment when it has one.
    A session step already sent or skipped for this case is not planned again; a reminder of
    the appointment is, for a new appointment."""
    done = set(
        await session.scalars(
            select(Reminder.step).where(
                Reminder.case_id == case.id, Reminder.status.in_((SENT, SKIPPED))
            )
        )
    )
    plan = [
        s
        for s in await plan_for(session, case.organisation_id)
        if s.trigger in triggers
        and case.reason in s.reasons
        and (s.name not in done or s.trigger == "appointment")
    ]
    now = now or utcnow()
    calendar = await calendar_for(session, case.organisation_id, now)
    made: list[PlanStep] = []
    due_times: list[datetime] = []
    for trigger, start in (
        ("session", lac_session.starts_at),
        ("appointment", case.appointment_at),
    ):
        steps = [s for s in plan if s.trigger == trigger]
        if start is None or not steps:
            continue
        by_timing = {s.timing: s for s in steps}
        for timing, due in plan_times([s.timing for s in steps], start, calendar, now=now):
            made.append(by_timing[timing])
            due_times.append(due)
    return await _plan(session, case, made, due_times)


async def reschedule_appointment(
    session: AsyncSession, case: Case, lac_session: LacSession, *, now: datetime | None = None
) -> list[Reminder]:
    """The appointment changed: its reminders follow it (or go, when it is gone)."""
    await cancel_pending(session, [case.id], "de afspraak is veranderd", only_trigger="appointment")
    return await schedule_case(session, case, lac_session, now=now, triggers=("appointment",))


async def foresee(session: AsyncSession, case: Case, made: list[Reminder] | None = None) -> None:
    """Mark the steps no channel can carry now (the given ones, else the case's pending ones):
    the plan preview shows them, and only a skip nobody could see coming becomes a task on
    the day. Run again whenever the client's or the case's details change."""
    client = await session.get(Client, case.client_id)
    if made is None:
        made = list(
            await session.scalars(
                select(Reminder).where(Reminder.case_id == case.id, Reminder.status == PENDING)
            )
        )
    if client is None or not made:
        return
    facts = await facts_about(session, client)
    for reminder in made:
        if reminder.fallback_of is not None:
            continue  # its note says why the channel before failed
        reasons = [why_not(client, channel, facts) for channel in reminder.channels]
        reminder.expected_skip = all(reasons)
        reminder.note = (
            "; ".join(f"{c}: {w}" for c, w in zip(reminder.channels, reasons, strict=True))
            if reminder.expected_skip
            else ""
        )


async def schedule_after(
    session: AsyncSession,
    case: Case,
    trigger: str,
    moment: datetime,
    *,
    attended: bool | None = None,
    decision: str | None = None,
) -> list[Reminder]:
    """Pending reminders for the plan's steps timed from an event (an outcome, a report, a
    change of the session, a confirmation). An outcome step already sent for this case
    (before an amendment) is not sent again; a water company's second report, or a second
    move of the session, does start its steps again."""
    made: list[PlanStep] = []
    due_times: list[datetime] = []
    calendar = await calendar_for(session, case.organisation_id, moment)
    sent = set(
        await session.scalars(
            select(Reminder.step).where(Reminder.case_id == case.id, Reminder.status == SENT)
        )
    )
    for step in await plan_for(session, case.organisation_id):
        if step.trigger != trigger or case.reason not in step.reasons:
            continue
        if trigger == "outcome" and step.name in sent:
            continue
        if step.attended is not None and step.attended != attended:
            continue
        if step.decisions and decision not in step.decisions:
            continue
        if decision is not None and decision in step.decisions_not:
            continue
        day = _local_date(moment)
        if step.working_days:
            day = working_days_after(day, step.days_after, calendar)
        else:
            day += timedelta(days=step.days_after)
        at = step.timing.at or time(9)
        wall = datetime.combine(day, at, tzinfo=BRUSSELS)
        made.append(step)
        due_times.append(calendar.next_allowed(max(wall, moment)))
    return await _plan(session, case, made, due_times)


async def _plan(
    session: AsyncSession, case: Case, steps: list[PlanStep], due_times: list[datetime]
) -> list[Reminder]:
    """One pending reminder per step, marked when no channel can carry it now."""
    made = [
        Reminder(
            organisation_id=case.organisation_id,
            case_id=case.id,
            step=step.name,
            due_at=due,
            channels=list(step.channels),
        )
        for step, due in zip(steps, due_times, strict=True)
    ]
    session.add_all(made)
    await foresee(session, case, made)
    await session.flush()
    return made


def _local_date(moment: datetime) -> date:
    return moment.astimezone(BRUSSELS).date()


async def cancel_pending(
    session: AsyncSession, case_ids: list[str], why: str, *, only_trigger: str | None = None
) -> int:
    """Cancel what is still pending (only the steps with that trigger, when given)."""
    query = update(Reminder).where(Reminder.case_id.in_(case_ids), Reminder.status == PENDING)
    if only_trigger and case_ids:
        case = await session.get(Case, case_ids[0])
        names = [
            s.name
            for s in (await plan_for(session, case.organisation_id) if case else [])
            if s.trigger == only_trigger
        ]
        query = query.where(Reminder.step.in_(names))
    result = await session.execute(
        query.values(status=CANCELLED, note=why, updated_at=utcnow()).returning(Reminder.id)
    )
    return len(result.all())


async def reschedule_session(
    session: AsyncSession,
    lac_session: LacSession,
    *,
    now: datetime | None = None,
    changed: bool = True,
) -> int:
    """The session moved: its open cases' pending steps get new times (or drop out), and
    when the time or place really changed, the clients already told about the session get
    the plan's "session-moved" steps (an earlier notice not yet sent is replaced)."""
    cases = await _open_cases(session, lac_session)
    ids = [c.id for c in cases]
    await cancel_pending(session, ids, "de zitting is verplaatst", only_trigger="session")
    made = 0
    for case in cases:
        made += len(await schedule_case(session, case, lac_session, now=now, triggers=("session",)))
    if changed:
        await cancel_pending(
            session, ids, "vervangen door een nieuw bericht", only_trigger="session-moved"
        )
        made += len(await tell_told(session, cases, "session-moved", now=now))
    return made


async def tell_told(
    session: AsyncSession, cases: list[Case], trigger: str, *, now: datetime | None = None
) -> list[Reminder]:
    """The plan's steps for a change of the session, for the cases that were sent something
    about it: a client who never heard of the session is not told it moved."""
    if not cases:
        return []
    told = set(
        await session.scalars(
            select(Reminder.case_id).where(
                Reminder.case_id.in_([c.id for c in cases]), Reminder.status == SENT
            )
        )
    )
    moment = now or utcnow()
    made: list[Reminder] = []
    for case in cases:
        if case.id in told:
            made += await schedule_after(session, case, trigger, moment)
    return made


async def _open_cases(session: AsyncSession, lac_session: LacSession) -> list[Case]:
    return list(
        await session.scalars(
            select(Case).where(Case.session_id == lac_session.id, Case.status == "open")
        )
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
