"""A case's outcome after the LAC session: recorded as a case event; a client who did not
come becomes a task (a new outreach proposal for the worker), never an automatic threat."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from messenger import inbox
from messenger.models import Case, CaseEvent

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
    )
    session.add(event)
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
