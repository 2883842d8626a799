"""A case's outcome after the LAC session, and what follows from it.

The outcome is a case event; it starts the plan's aftercare steps (reminder_plans.py:
a summary of what was agreed the next working day, the referral to the OCMW's other help a
few days later, a check-in 30 days after a payment plan). A client who did not come becomes
a task, a new outreach proposal for the social worker, never an automatic threat.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import inbox, reminders
from messenger.platform.models import Case, CaseEvent, utcnow

DECISIONS = (
    "payment-plan",
    "flow-limiter",
    "cut-off-refused",
    "cut-off-allowed",
    "reconnection",
    "none",
)


async def record_outcome(
    session: AsyncSession,
    case: Case,
    *,
    attended: bool,
    decision: str | None,
    agreed: str | None,
    recorded_by: str,
    at: datetime | None = None,
) -> CaseEvent:
    """Caller commits."""
    if decision is not None and decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    event = CaseEvent(
        organisation_id=case.organisation_id,
        case_id=case.id,
        kind="outcome",
        source="social-worker",
        details={"attended": attended, "decision": decision, "agreed": agreed},
        reported_by=recorded_by,
        occurred_at=at or utcnow(),
    )
    session.add(event)
    await session.flush()
    await reminders.schedule_after(
        session, case, "outcome", event.occurred_at, attended=attended, decision=decision
    )
    if not attended:
        inbox.open_task(
            session,
            case.organisation_id,
            "outreach",
            "Niet gekomen naar de zitting: stel een nieuwe manier voor om contact te leggen",
            client_id=case.client_id,
            case_id=case.id,
        )
    await session.flush()
    return event
