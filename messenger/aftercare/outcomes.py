"""A case's outcome after the LAC session, and what follows from it.

The outcome is a case event; it starts the plan's aftercare steps (reminder_plans.py:
a summary of what was agreed the next working day, the referral to the OCMW's other help a
few days later, a check-in 30 days after a payment plan). A client who did not come becomes
a task, a new outreach proposal for the social worker, never an automatic threat.

A case has one outcome, recorded once its session has started. A correction is an explicit
amendment: a new outcome event that names the one it corrects and why, and that plans the
aftercare again (the latest outcome event is the one that counts, in reports too).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import inbox, reminders
from messenger.casework.conditions import DECISIONS as DECISIONS
from messenger.platform.dates import format_datetime
from messenger.platform.models import Case, CaseEvent, LacSession, utcnow

# The decisions (kept in casework/conditions.py, so plan steps are checked against them) as
# a social worker reads them on the outcome form and in reports.


async def latest_outcome(session: AsyncSession, case_id: str) -> CaseEvent | None:
    return await session.scalar(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.kind == "outcome")
        .order_by(CaseEvent.occurred_at.desc())
        .limit(1)
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
    now: datetime | None = None,
) -> CaseEvent:
    """The one outcome of a case, from the moment its session starts. Caller commits."""
    moment = at or now or utcnow()
    _check_decision(decision)
    lac = await session.get(LacSession, case.session_id) if case.session_id else None
    if lac is not None and moment < lac.starts_at:
        when = format_datetime(lac.starts_at)
        raise ValueError(f"outcome: the session starts {when}; record its outcome from then on")
    if await latest_outcome(session, case.id) is not None:
        raise ValueError(
            "outcome: this case has an outcome already; correct it with an amendment "
            "(POST /v2/cases/{id}/outcome/amendment) and say why"
        )
    event = _event(case, attended, decision, agreed, recorded_by, moment)
    session.add(event)
    await session.flush()
    await reminders.schedule_after(
        session, case, "outcome", event.occurred_at, attended=attended, decision=decision
    )
    if not attended:
        _outreach_task(session, case)
    await session.flush()
    return event


async def amend_outcome(
    session: AsyncSession,
    case: Case,
    *,
    attended: bool,
    decision: str | None,
    agreed: str | None,
    reason: str,
    recorded_by: str,
    now: datetime | None = None,
) -> CaseEvent:
    """Correct the outcome: recorded as a new outcome event that names the one it amends and
    why; the aftercare steps not yet sent are planned again, those that no longer fit are
    cancelled. Caller commits."""
    _check_decision(decision)
    if not reason.strip():
        raise ValueError("reason: say why the outcome is corrected")
    previous = await latest_outcome(session, case.id)
    if previous is None:
        raise ValueError("outcome: this case has no outcome to amend; record one first")
    moment = max(now or utcnow(), previous.occurred_at)
    event = _event(case, attended, decision, agreed, recorded_by, moment)
    event.details = {**event.details, "amends": previous.id, "reason": reason.strip()}
    session.add(event)
    await session.flush()
    await reminders.cancel_pending(
        session, [case.id], "de uitkomst is aangepast", only_trigger="outcome"
    )
    await reminders.schedule_after(
        session, case, "outcome", moment, attended=attended, decision=decision
    )
    if not attended and previous.details.get("attended"):
        _outreach_task(session, case)
    await session.flush()
    return event


def _check_decision(decision: str | None) -> None:
    if decision is not None and decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")


def _event(
    case: Case,
    attended: bool,
    decision: str | None,
    agreed: str | None,
    recorded_by: str,
    moment: datetime,
) -> CaseEvent:
    return CaseEvent(
        organisation_id=case.organisation_id,
        case_id=case.id,
        kind="outcome",
        source="social-worker",
        details={"attended": attended, "decision": decision, "agreed": agreed},
        reported_by=recorded_by,
        occurred_at=moment,
    )


def _outreach_task(session: AsyncSession, case: Case) -> None:
    inbox.open_task(
        session,
        case.organisation_id,
        "outreach",
        "Niet gekomen naar de zitting: stel een nieuwe manier voor om contact te leggen",
        client_id=case.client_id,
        case_id=case.id,
    )
