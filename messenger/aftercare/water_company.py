"""What a water company may do: read its own cases and report events on them.

A water-company key sees only the cases of its own company, inside its OCMW, and only what
it needs to match them with its files (reference, status, session date), no client data.
A failed payment plan starts the plan's outreach step and a task for the social worker.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import inbox, reminders
from messenger.platform.models import Case, CaseEvent

EVENT_KINDS = ("payment-plan-failed", "flow-limiter-fitted", "cut-off", "reconnected", "other")
_TASK_TITLE = "De watermaatschappij meldt een mislukt afbetalingsplan: neem contact op"


class Reporter(Protocol):
    """Who acts for a water company: an API key or a person's account."""

    @property
    def organisation_id(self) -> str: ...
    @property
    def water_company(self) -> str | None: ...
    @property
    def name(self) -> str: ...


async def own_cases(session: AsyncSession, key: Reporter) -> list[Case]:
    return list(
        await session.scalars(
            select(Case)
            .where(
                Case.organisation_id == key.organisation_id,
                Case.water_company == key.water_company,
            )
            .order_by(Case.created_at)
        )
    )


async def own_case(session: AsyncSession, key: Reporter, case_id: str) -> Case:
    """Another company's case, or another OCMW's, is "not there"."""
    case = await session.scalar(
        select(Case).where(
            Case.id == case_id,
            Case.organisation_id == key.organisation_id,
            Case.water_company == key.water_company,
        )
    )
    if case is None:
        raise LookupError("No result found")
    return case


async def report_event(
    session: AsyncSession, key: Reporter, case: Case, kind: str, note: str | None
) -> CaseEvent:
    """Caller commits."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(EVENT_KINDS)}")
    event = CaseEvent(
        organisation_id=case.organisation_id,
        case_id=case.id,
        kind=kind,
        source="water-company",
        details={"note": note} if note else {},
        reported_by=f"{key.water_company} ({key.name})",
    )
    session.add(event)
    await session.flush()
    if kind == "payment-plan-failed":
        await reminders.schedule_after(session, case, kind, event.occurred_at)
        inbox.open_task(
            session,
            case.organisation_id,
            "payment-plan-failed",
            _TASK_TITLE,
            client_id=case.client_id,
            case_id=case.id,
        )
    return event
