"""The plan of every case of a list, worked out in memory: when each step is due, whether a
channel can carry it (the note on the reminder), and the preview the social worker sees.

The rules are those of reminders.schedule_case and reminders.foresee (a stored case) and of
plan_preview (its preview); those ask the database for every case. Here the organisation's
plan, calendar and templates are read once for the list, and a step's times are worked out
once per reason and appointment: every case of a session shares them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.calendar import calendar_of
from messenger.casework.case_list_rows import plain
from messenger.casework.plan_preview import Lookups, StepPreview, judge_step
from messenger.casework.plan_values import personalisation
from messenger.casework.reachability import Contact, Facts, why_not
from messenger.casework.reminder_plans import TIMED_BEFORE, PlanStep
from messenger.casework.schedule import QuietHours, plan_times
from messenger.platform.models import LacSession

# A case's steps still ahead with their due times: the session's steps, then the
# appointment's, each in time order (as reminders.schedule_case makes them).
Timed = list[tuple[PlanStep, datetime]]


@dataclass
class CasePlans:
    """The organisation's plan and calendar for one session, and the times worked out. The
    session and the organisation are plain copies (case_list_rows.plain): the values of the
    templates read them for every case."""

    lac: Any
    organisation: Any
    plan: list[PlanStep]
    calendar: QuietHours
    now: datetime
    lookups: Lookups
    _timed: dict[tuple[str, datetime | None], Timed] = field(default_factory=dict)
    _in_order: dict[int, Timed] = field(default_factory=dict)  # by id of a list in _timed
    _judged: dict[tuple[Any, ...], StepPreview] = field(default_factory=dict)

    @classmethod
    async def load(cls, session: AsyncSession, lac: LacSession, now: datetime) -> CasePlans:
        lookups = Lookups()  # one plan and one look at each template for the whole list
        organisation = await lookups.organisation(session, lac.organisation_id)
        plan = await lookups.plan(session, lac.organisation_id)
        calendar = calendar_of(organisation, today=now.date())
        copy = plain(organisation) if organisation is not None else None
        return cls(plain(lac), copy, plan, calendar, now, lookups)

    def timed(self, reason: str, appointment_at: datetime | None) -> Timed:
        """The steps a new case gets (reminders.schedule_case): the plan's steps for its
        reason, timed from the session and from its appointment, those still ahead."""
        key = (reason, appointment_at)
        if key not in self._timed:
            plan = [s for s in self.plan if s.trigger in TIMED_BEFORE and reason in s.reasons]
            made: Timed = []
            for trigger, start in (
                ("session", self.lac.starts_at),
                ("appointment", appointment_at),
            ):
                steps = [s for s in plan if s.trigger == trigger]
                if start is None or not steps:
                    continue
                by_timing = {s.timing: s for s in steps}
                timings = [s.timing for s in steps]
                for timing, due in plan_times(timings, start, self.calendar, now=self.now):
                    made.append((by_timing[timing], due))
            self._timed[key] = made
        return self._timed[key]

    async def preview(
        self,
        session: AsyncSession,
        case: Any,
        client: Any,
        worker: Any,
        facts: Facts,
        timed: Timed,
        happened: frozenset[str],
    ) -> list[StepPreview]:
        """Each step in time order, judged as plan_preview judges a case's pending reminders
        (a step due at the same time as another keeps its place). The case, the client and
        the worker (or None) as plain copies: their columns, as the rules read them. The
        judgements are frozen values: cases judged alike share them."""
        values = personalisation(case, client, self.lac, self.organisation, worker)
        # All a step's judgement reads besides the step and its time: whether the case has an
        # appointment, what happened, why each channel cannot reach the client (why_not), the
        # client's language (for the template) and which values are known. Cases alike in
        # these share the judgement, as they share their times.
        alike = (case.appointment_at is None, happened, client.language, frozenset(values))
        in_order = self._in_order.get(id(timed))
        if in_order is None:
            in_order = self._in_order[id(timed)] = sorted(timed, key=lambda pair: pair[1])
        steps = []
        for step, due in in_order:
            reasons = tuple(why_not(client, channel, facts) for channel in step.channels)
            key = (id(step), due, reasons, *alike)
            judged = self._judged.get(key)
            if judged is None:
                judged = self._judged[key] = await judge_step(
                    session,
                    self.lookups,
                    step,
                    due,
                    step.channels,
                    case,
                    client,
                    facts,
                    values,
                    happened,
                )
            steps.append(judged)
        return steps


def foreseen(client: Contact, channels: Sequence[str], facts: Facts) -> tuple[bool, str]:
    """reminders.foresee for one new reminder: whether no channel can carry it now, and the
    note that says why for each channel (empty when one can)."""
    reasons = [why_not(client, channel, facts) for channel in channels]
    if not all(reasons):
        return False, ""
    return True, "; ".join(f"{c}: {w}" for c, w in zip(channels, reasons, strict=True))
