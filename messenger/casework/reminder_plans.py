"""Reminder plans: which steps an organisation sends before a LAC session, on which channels.

A plan is a list of steps, stored as JSON per organisation; without one, the default plan
(default_plan.py) uses the shipped Dutch LAC templates. Each step names its channels in the order to
try (the first one the client can be reached on wins; the others are the fallback) and a
template per channel. `fallback_after_hours` moves on to the next channel when the message
is not delivered in time; `reasons` limits a step to unpaid bills or reconnection cases;
`needs: "appointment"` skips the step when the case has no appointment to offer.
`unless` lists what makes the step needless, checked when it is due (conditions.py:
"replied", "appointment-confirmed", "appointment-kept", "contact-made", "attended"); it is
then skipped with that reason, and no task. Given per channel instead ({"letter": [...]}),
only that channel's text is needless: the step goes out on another channel, or is skipped.

Most steps are timed from the session. A step with a `trigger` is timed from an event
instead: `"outcome"` (the outcome of the session is recorded; `attended`, `decisions` and
`decisions_not` narrow it down), `"payment-plan-failed"` (a water company reports it),
`"session-moved"` and `"session-cancelled"` (for the cases already told about the session),
or `"appointment-confirmed"` (the client said JA), and then `days_after` or
`working_days_after` that event, at `at` (or as soon as quiet hours allow). A step with
trigger `"appointment"` is timed like a session step (`days_before`, `at`, `hours_before`),
from the case's appointment instead of the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.case_columns import REASONS
from messenger.casework.conditions import CONDITIONS, DECISIONS
from messenger.casework.default_plan import DEFAULT_STEPS as DEFAULT_STEPS
from messenger.casework.plan_values import SOURCES
from messenger.casework.schedule import Step
from messenger.platform.models import ReminderPlan, utcnow
from messenger.wording import template_store
from messenger.wording.rendering import RESERVED, variables_of
from messenger.wording.template_files import template_id

CHANNELS = ("sms", "email", "letter")
MAX_STEP_NAME = 60  # the width of reminders.step

TRIGGERS = (
    "session",
    "appointment",
    "outcome",
    "payment-plan-failed",
    "session-moved",
    "session-cancelled",
    "appointment-confirmed",
)
# Timed like the session's own steps, from a moment the case knows ahead.
TIMED_BEFORE = ("session", "appointment")


@dataclass(frozen=True)
class PlanStep:
    timing: Step
    channels: tuple[str, ...]
    templates: dict[str, str]  # channel -> template id
    fallback_after_hours: float | None = None
    reasons: tuple[str, ...] = REASONS
    needs_appointment: bool = False
    # Event-timed steps (see the module docstring); "session" steps use `timing`.
    trigger: str = "session"
    days_after: int = 0
    working_days: bool = False
    attended: bool | None = None
    decisions: tuple[str, ...] = ()
    decisions_not: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    # The same, for one channel's text only.
    channel_unless: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.timing.name

    @property
    def conditional(self) -> bool:
        return bool(self.unless or self.channel_unless)


def parse_steps(raw: list[dict[str, Any]]) -> list[PlanStep]:
    """Check a plan as given through the API; ValueError names the step and what is wrong."""
    if not raw:
        raise ValueError("steps: a plan needs at least one step")
    steps, names = [], set()
    for number, item in enumerate(raw, start=1):
        where = f"steps[{number}]"
        try:
            step = _parse_step(item)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
        if step.name in names:
            raise ValueError(f"{where}: the name {step.name} is used twice")
        names.add(step.name)
        steps.append(step)
    return steps


def _parse_step(item: dict[str, Any]) -> PlanStep:
    at = item.get("at")
    name = str(item["name"])
    if not 1 <= len(name) <= MAX_STEP_NAME:
        raise ValueError(f"name needs 1 to {MAX_STEP_NAME} characters")
    trigger = str(item.get("trigger", "session"))
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger must be one of {', '.join(TRIGGERS)}")
    if trigger in TIMED_BEFORE:
        timing = Step(
            name=name,
            days_before=int(item.get("days_before", 0)),
            at=time.fromisoformat(at) if at else None,
            hours_before=float(item["hours_before"]) if "hours_before" in item else None,
        )
    else:
        # Timed from the event; `timing` only carries the name and the time of day.
        timing = Step(name=name, days_before=0, at=time.fromisoformat(at) if at else time(9))
    working = "working_days_after" in item
    days_after = int(item.get("working_days_after", item.get("days_after", 0)))
    if days_after < 0:
        raise ValueError("days_after cannot be negative")
    channels = tuple(item["channels"])
    if not channels or any(c not in CHANNELS for c in channels):
        raise ValueError(f"channels must be some of {', '.join(CHANNELS)}")
    templates = dict(item["templates"])
    missing = [c for c in channels if c not in templates]
    if missing:
        raise ValueError(f"templates: no template for channel {missing[0]}")
    reasons = tuple(item.get("reasons") or REASONS)
    if any(r not in REASONS for r in reasons):
        raise ValueError(f"reasons must be some of {', '.join(REASONS)}")
    hours = item.get("fallback_after_hours")
    decisions = _some_of("decisions", item.get("decisions"), DECISIONS)
    decisions_not = _some_of("decisions_not", item.get("decisions_not"), DECISIONS)
    if (decisions or decisions_not or "attended" in item) and trigger != "outcome":
        raise ValueError("attended, decisions and decisions_not need trigger outcome")
    raw_unless = item.get("unless")
    try:
        if isinstance(raw_unless, dict):
            unless: tuple[str, ...] = ()
            channel_unless = {
                c: _some_of(f"unless.{c}", v, tuple(CONDITIONS)) for c, v in raw_unless.items()
            }
            stranger = next((c for c in channel_unless if c not in channels), None)
            if stranger:
                raise ValueError(f"unless: {stranger} is not one of this step's channels")
        else:
            unless, channel_unless = _some_of("unless", raw_unless, tuple(CONDITIONS)), {}
    except ValueError as exc:
        raise ValueError(f"step '{name}': {exc}") from None
    return PlanStep(
        timing=timing,
        channels=channels,
        # A name is turned into the shipped template's id; an id is kept as it is.
        templates={c: _template_ref(templates[c]) for c in channels},
        fallback_after_hours=float(hours) if hours is not None else None,
        reasons=reasons,
        needs_appointment=item.get("needs") == "appointment",
        trigger=trigger,
        days_after=days_after,
        working_days=working,
        attended=item.get("attended"),
        decisions=decisions,
        decisions_not=decisions_not,
        unless=unless,
        channel_unless=channel_unless,
    )


def _some_of(field: str, value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A list of known words (or nothing); ValueError names the field and the first stranger."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{field} must be a list of some of {', '.join(allowed)}")
    wrong = [v for v in value if v not in allowed]
    if wrong:
        raise ValueError(f"{field}: {wrong[0]} is not one of {', '.join(allowed)}")
    return tuple(value)


def _template_ref(value: str) -> str:
    return value if len(value) == 36 and value.count("-") == 4 else template_id(value)


async def plan_steps_of(session: AsyncSession, organisation_id: str) -> list[dict[str, Any]]:
    """The organisation's plan as stored, or the default plan."""
    stored = await session.scalar(
        select(ReminderPlan).where(ReminderPlan.organisation_id == organisation_id)
    )
    return stored.steps if stored else DEFAULT_STEPS


async def plan_for(session: AsyncSession, organisation_id: str) -> list[PlanStep]:
    return parse_steps(await plan_steps_of(session, organisation_id))


async def check_plan(
    session: AsyncSession, organisation_id: str | None, steps: list[dict[str, Any]]
) -> list[PlanStep]:
    """Refuse a bad plan before it is stored or used: every template exists, is of the right
    kind, and every variable it uses has a source that this step can fill (plan_values.py)."""
    parsed = parse_steps(steps)
    for number, step in enumerate(parsed, start=1):
        where = f"steps[{number}]"
        for channel, template in step.templates.items():
            found = await template_store.find(session, organisation_id or "", template)
            if found is None:
                raise ValueError(f"{where}: templates: no {channel} template {template}")
            if found.template.kind != channel:
                raise ValueError(
                    f"{where}: templates: {found.template.name} is not a {channel} template"
                )
            for language in await template_store.languages_of(session, found.template.id):
                version = await template_store.find(
                    session, organisation_id or "", template, language=language
                )
                assert version is not None
                used = variables_of(version.version.body, version.version.subject) - set(RESERVED)
                for variable in sorted(used):
                    problem = _unfillable(step, variable)
                    if problem:
                        name = found.template.name
                        raise ValueError(
                            f"{where}: step '{step.name}': {name} ({language}) uses "
                            f"{variable}, but {problem}"
                        )
    return parsed


def _unfillable(step: PlanStep, variable: str) -> str | None:
    """Why this step cannot fill this variable; None when it can."""
    source = SOURCES.get(variable)
    if source is None:
        return (
            "nothing fills it in (not the client, case, session, worker, organisation or outcome)"
        )
    if source == "outcome" and step.trigger != "outcome":
        return "it comes from the outcome, so only a step with trigger outcome can use it"
    has_appointment = step.trigger in ("appointment", "appointment-confirmed")
    if variable == "afspraak" and not (step.needs_appointment or has_appointment):
        return 'only a step with needs "appointment" is sure to have one'
    return None


async def save_plan(
    session: AsyncSession, organisation_id: str, steps: list[dict[str, Any]]
) -> ReminderPlan:
    await check_plan(session, organisation_id, steps)
    stored = await session.scalar(
        select(ReminderPlan).where(ReminderPlan.organisation_id == organisation_id)
    )
    if stored is None:
        stored = ReminderPlan(organisation_id=organisation_id, steps=steps)
        session.add(stored)
    else:
        stored.steps = steps
        stored.updated_at = utcnow()
    await session.flush()
    return stored
