"""What will happen before it happens: each step still ahead for a case, when it goes out (in
Brussels time), on which channel, why the other channels are passed over, and which values
its words would miss, or why it will not be needed. The same rules as the reminders
themselves (reachability.py, plan_values.py, conditions.py), judged now.

A stored case is previewed from its pending reminders. A case list in a dry run is previewed
from the plan, with clients and cases that exist only in memory: nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.calendar import calendar_of
from messenger.casework.conditions import happened_on, why_skip
from messenger.casework.plan_values import personalisation, plan_values
from messenger.casework.reachability import Facts, facts_about, why_not
from messenger.casework.reminder_plans import TIMED_BEFORE, PlanStep, plan_for
from messenger.casework.schedule import plan_times
from messenger.platform.models import (
    Case,
    Client,
    LacSession,
    Organisation,
    Reminder,
    StaffMember,
    utcnow,
)
from messenger.wording import template_store
from messenger.wording.rendering import RESERVED, variables_of

NO_APPOINTMENT = "geen afspraak voorgesteld"


@dataclass(frozen=True)
class StepPreview:
    step: str
    due_at: datetime
    # The channel it will go out on; None when none can be used (see passed_over, skip).
    channel: str | None
    passed_over: tuple[tuple[str, str], ...] = ()
    # Values the chosen channel's template needs that nobody has filled in.
    missing: tuple[str, ...] = ()
    # Why the step as a whole will not go out (it is not about reaching the client).
    skip: str | None = None


@dataclass
class Lookups:
    """What previews of many cases in one go share, looked up once: the organisation's plan,
    and the values each template uses (a page of 50 cases would otherwise ask per step)."""

    plans: dict[str, list[PlanStep]] = field(default_factory=dict)
    used: dict[tuple[str, str, str], frozenset[str] | None] = field(default_factory=dict)
    # Each client's facts, when the page looked them up for all its clients at once.
    facts: dict[str, Facts] = field(default_factory=dict)
    # Each case's agreed outcome, when the page looked them up for all its cases at once.
    agreed: dict[str, str] | None = None
    # What happened on each case (conditions.py), looked up at once by `learn` or per case.
    happened: dict[str, frozenset[str]] = field(default_factory=dict)

    organisations: dict[str, Organisation | None] = field(default_factory=dict)
    # Rows the page loaded at once (clients, workers), held here because the session's
    # identity map keeps only weak references: the previews' `session.get` then finds them.
    held: list[object] = field(default_factory=list)

    async def organisation(
        self, session: AsyncSession, organisation_id: str
    ) -> Organisation | None:
        if organisation_id not in self.organisations:
            self.organisations[organisation_id] = await session.get(Organisation, organisation_id)
        return self.organisations[organisation_id]

    async def learn(self, session: AsyncSession, cases: Sequence[Case]) -> None:
        """What happened on these cases, in one go (a page of cases)."""
        self.happened |= await happened_on(session, [c for c in cases if c.id not in self.happened])

    async def happened_on(self, session: AsyncSession, case: Case) -> frozenset[str]:
        if case.id not in self.happened:
            await self.learn(session, [case])
        return self.happened[case.id]

    async def plan(self, session: AsyncSession, organisation_id: str) -> list[PlanStep]:
        if organisation_id not in self.plans:
            self.plans[organisation_id] = await plan_for(session, organisation_id)
        return self.plans[organisation_id]

    async def used_by(
        self, session: AsyncSession, organisation_id: str, template: str, language: str
    ) -> frozenset[str] | None:
        """The variables a template uses that Messenger does not fill itself; None when the
        template is not there."""
        key = (organisation_id, template, language)
        if key not in self.used:
            found = await template_store.find(session, organisation_id, template, language=language)
            self.used[key] = (
                None
                if found is None
                else frozenset(variables_of(found.version.body, found.version.subject))
                - frozenset(RESERVED)
            )
        return self.used[key]


async def preview_case(
    session: AsyncSession,
    case: Case,
    lookups: Lookups | None = None,
    pending: Sequence[Reminder] | None = None,
) -> list[StepPreview]:
    """The case's pending reminders (their times are stored), judged on today's facts.
    `lookups`: shared by the previews of one page or one import; `pending`: the case's
    pending reminders in time order, when the caller has them already."""
    lookups = lookups or Lookups()
    client = await session.get(Client, case.client_id)
    lac = await session.get(LacSession, case.session_id) if case.session_id else None
    if client is None or lac is None:
        return []
    steps = {s.name: s for s in await lookups.plan(session, case.organisation_id)}
    if pending is None:
        pending = list(
            await session.scalars(
                select(Reminder)
                .where(Reminder.case_id == case.id, Reminder.status == "pending")
                .order_by(Reminder.due_at)
            )
        )
    facts = lookups.facts.get(client.id) or await facts_about(session, client)
    organisation = await lookups.organisation(session, case.organisation_id)
    values = await plan_values(session, case, client, lac, organisation, lookups.agreed)
    happened = await lookups.happened_on(session, case) if pending else frozenset[str]()
    out = []
    for reminder in pending:
        step = steps.get(reminder.step)
        if step is not None:
            out.append(
                await judge_step(
                    session,
                    lookups,
                    step,
                    reminder.due_at,
                    reminder.channels,
                    case,
                    client,
                    facts,
                    values,
                    happened,
                )
            )
    return out


async def preview_new_case(
    session: AsyncSession,
    lac: LacSession,
    case: Case,
    client: Client,
    facts: Facts,
    *,
    now: datetime | None = None,
    lookups: Lookups | None = None,
) -> list[StepPreview]:
    """The plan's steps for a case that is not stored (a dry run of an import)."""
    lookups = lookups or Lookups()
    organisation = await lookups.organisation(session, case.organisation_id)
    worker = await session.get(StaffMember, case.worker_id) if case.worker_id else None
    values = personalisation(case, client, lac, organisation, worker)
    now = now or utcnow()
    plan = [
        s
        for s in await lookups.plan(session, case.organisation_id)
        if s.trigger in TIMED_BEFORE and case.reason in s.reasons
    ]
    by_name = {s.name: s for s in plan}
    calendar = calendar_of(organisation, today=now.date())
    timed = []
    for trigger, start in (("session", lac.starts_at), ("appointment", case.appointment_at)):
        steps = [s.timing for s in plan if s.trigger == trigger]
        if start is not None and steps:
            timed += plan_times(steps, start, calendar, now=now)
    timed.sort(key=lambda pair: pair[1])
    # Nothing has happened yet on a case that is not stored: no condition holds.
    return [
        await judge_step(
            session,
            lookups,
            by_name[t.name],
            due,
            by_name[t.name].channels,
            case,
            client,
            facts,
            values,
            frozenset(),
        )
        for t, due in timed
    ]


async def judge_step(
    session: AsyncSession,
    lookups: Lookups,
    step: PlanStep,
    due: datetime,
    channels: Sequence[str],
    case: Case,
    client: Client,
    facts: Facts,
    values: dict[str, object],
    happened: frozenset[str],
) -> StepPreview:
    if (step.needs_appointment or step.trigger == "appointment") and case.appointment_at is None:
        return StepPreview(step.name, due, None, skip=NO_APPOINTMENT)
    needless = why_skip(step.unless, happened)
    if needless:
        return StepPreview(step.name, due, None, skip=needless)
    passed = []
    not_needed = None
    for channel in channels:
        not_needed = why_skip(step.channel_unless.get(channel, ()), happened)
        if not_needed:
            passed.append((channel, not_needed))
            continue
        why = why_not(client, channel, facts)
        if why:
            passed.append((channel, why))
            continue
        used = await lookups.used_by(
            session, case.organisation_id, step.templates[channel], client.language
        )
        missing = () if used is None else tuple(sorted(used - set(values)))
        return StepPreview(step.name, due, channel, tuple(passed), missing)
    return StepPreview(step.name, due, None, tuple(passed), skip=not_needed)
