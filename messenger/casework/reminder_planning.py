"""Planning reminders: a plan's steps for each case, as pending rows at the times they are due.

- `schedule_case` writes one pending row per step still ahead, at the Brussels time the plan
  and the quiet hours give (schedule.py); `schedule_after` does so for the steps timed from
  an event (an outcome, a report, a confirmation).
- A change moves them: `reschedule_session`, `reschedule_appointment`, `cancel_pending`;
  `tell_told` plans the notice of a change for the clients already told about the session.
- `foresee` marks the steps no channel can carry now, for the plan preview.
Sending them when due is reminder_sending.py; reminders.py is the one name for both.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.calendar import calendar_of
from messenger.casework.reachability import facts_about, why_not
from messenger.casework.reminder_plans import TIMED_BEFORE, PlanStep, plan_for
from messenger.casework.schedule import QuietHours, plan_times, working_days_after
from messenger.platform.dates import BRUSSELS
from messenger.platform.models import Case, Client, LacSession, Organisation, Reminder, utcnow

# A reminder's statuses.
PENDING, SENT, CANCELLED, SKIPPED = "pending", "sent", "cancelled", "skipped"
# Reminders one tick of the sending and fallback crons takes at most; the next tick goes on.
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
