"""What happened on a case, for a plan step's `unless` conditions (reminder_plans.py).

A step is skipped when one of its conditions holds on the day it is due, so a letter that
says "we hebben nog niets van u gehoord" never reaches a client who answered. The reason is
written on the reminder in plain Dutch for the social worker; it is not a task.

- "replied": the client answered a message of this case (not STOP or START);
- "appointment-confirmed": the client confirmed the appointment ("JA", or by hand);
- "appointment-kept": a recorded contact attempt of method "appointment" says "attended";
- "contact-made": a recorded contact attempt reached the client ("reached", "attended"),
  or the client replied;
- "attended": the latest outcome says the client came to the LAC session.

A contact attempt recorded for the client without a case counts for the cases that were
open then. The outcome decisions live here too: plan steps are checked against them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform.models import Case, CaseEvent, ContactAttempt, ReceivedMessage

DECISIONS = (
    "payment-plan",
    "flow-limiter",
    "cut-off-refused",
    "cut-off-allowed",
    "reconnection",
    "reconnection-refused",
    "none",
)
# How a person reads each decision (forms, and letters when nothing else was written).
DECISION_LABELS = {
    "payment-plan": "Een afbetalingsplan",
    "flow-limiter": "Een waterbegrenzer",
    "cut-off-refused": "Niet afsluiten",
    "cut-off-allowed": "Afsluiten mag",
    "reconnection": "Weer aansluiten",
    "reconnection-refused": "Niet weer aansluiten",
    "none": "Geen beslissing",
}
# Condition -> the reason the social worker reads when a step is skipped for it.
CONDITIONS: dict[str, str] = {
    "replied": "niet nodig: de cliënt antwoordde al",
    "appointment-confirmed": "niet nodig: de cliënt bevestigde de afspraak",
    "appointment-kept": "niet nodig: de cliënt kwam al naar de afspraak",
    "contact-made": "niet nodig: er was al contact met de cliënt",
    "attended": "niet nodig: de cliënt kwam naar het LAC-gesprek",
}
_NOT_A_REPLY = ("stop", "start")  # opt-out keywords say nothing about the session
_REACHED = ("reached", "attended")


def why_skip(unless: Sequence[str], happened: frozenset[str]) -> str | None:
    """The reason for the first condition that holds; None when the step goes out."""
    return next((CONDITIONS[c] for c in unless if c in happened), None)


async def happened_on(session: AsyncSession, cases: Sequence[Case]) -> dict[str, frozenset[str]]:
    """Per case id, the conditions that hold now: three queries for any number of cases."""
    if not cases:
        return {}
    ids = [c.id for c in cases]
    found: dict[str, set[str]] = defaultdict(set)
    for case in cases:
        if case.appointment_confirmed_at is not None:
            found[case.id].add("appointment-confirmed")
    replied = await session.scalars(
        select(ReceivedMessage.case_id)
        .where(ReceivedMessage.case_id.in_(ids), ReceivedMessage.intent.not_in(_NOT_A_REPLY))
        .distinct()
    )
    for case_id in replied:
        if case_id is not None:
            found[case_id] |= {"replied", "contact-made"}
    by_client: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_client[case.client_id].append(case)
    attempts = await session.execute(
        select(
            ContactAttempt.case_id,
            ContactAttempt.client_id,
            ContactAttempt.method,
            ContactAttempt.outcome,
            ContactAttempt.attempted_at,
        ).where(
            ContactAttempt.outcome.in_(_REACHED),
            or_(
                ContactAttempt.case_id.in_(ids),
                and_(
                    ContactAttempt.case_id.is_(None), ContactAttempt.client_id.in_(list(by_client))
                ),
            ),
        )
    )
    for case_id, client_id, method, outcome, at in attempts:
        targets = (
            [case_id]
            if case_id is not None
            else [c.id for c in by_client[client_id] if c.created_at <= at]
        )
        for target in targets:
            found[target].add("contact-made")
            if method == "appointment" and outcome == "attended":
                found[target].add("appointment-kept")
    events = await session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id.in_(ids), CaseEvent.kind == "outcome")
        .order_by(CaseEvent.occurred_at)
    )
    latest = {event.case_id: event for event in events}
    for case_id, event in latest.items():
        if event.details.get("attended"):
            found[case_id].add("attended")
    return {case_id: frozenset(found.get(case_id, ())) for case_id in ids}
