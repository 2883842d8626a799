"""The values a plan's templates are filled with, from the case, client, session and OCMW.

Every value the shipped LAC templates may ask for is offered; a template uses the ones it
declares. A value that is unknown is left out, so the template names what is missing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform.dates import BRUSSELS
from messenger.platform.models import Case, CaseEvent, Client, LacSession, Organisation


async def plan_values(
    session: AsyncSession,
    case: Case,
    client: Client,
    lac_session: LacSession,
    organisation: Organisation | None,
) -> dict[str, Any]:
    return personalisation(case, client, lac_session, organisation, await _agreed(session, case.id))


def personalisation(
    case: Case,
    client: Client,
    lac_session: LacSession,
    organisation: Organisation | None,
    agreed: str | None = None,
) -> dict[str, Any]:
    """Every value the LAC templates may ask for; a template uses the ones it declares."""
    org = organisation
    values: dict[str, Any] = {
        "voornaam": client.first_name,
        "naam": f"{client.first_name} {client.last_name}",
        "moment": lac_session.starts_at.isoformat(),
        "plaats": lac_session.place,
        "maatschappelijk_werker": case.worker_name or (org and org.contact_name) or "Het OCMW",
        "watermaatschappij": case.water_company,
    }
    phone = case.worker_phone or (org and org.contact_phone)
    email = case.worker_email or (org and org.contact_email)
    # Left out when unknown: the template then says which value is missing.
    if phone:
        values["telefoon"] = phone
    if email:
        values["email"] = email
    if case.appointment_at:
        values["afspraak"] = case.appointment_at.isoformat()
    # Aftercare: the day of the session, what was agreed, where to walk in.
    values["datum_zitting"] = lac_session.starts_at.astimezone(BRUSSELS).date().isoformat()
    if agreed:
        values["afspraken"] = agreed
    if org is not None and (org.contact_phone or org.contact_name):
        values["onthaal"] = ", ".join(
            p for p in (org.contact_name or org.name, org.contact_phone) if p
        )
    for number, line in enumerate(client.address_lines, start=1):
        values[f"address_line_{number}"] = line
    return values


async def _agreed(session: AsyncSession, case_id: str) -> str | None:
    """What was agreed at the session, from the latest recorded outcome."""
    event = await session.scalar(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.kind == "outcome")
        .order_by(CaseEvent.occurred_at.desc())
        .limit(1)
    )
    agreed = event.details.get("agreed") if event else None
    return str(agreed) if agreed else None
