"""The values a plan's templates are filled with, and where each one comes from.

Every variable a plan step's template may use has a source: the client, the case, the
session, the case's social worker, the organisation, or the outcome of the session. A worker's
phone and email fall back to the organisation's contact profile. `SOURCES` is the list a plan
is checked against when it is saved (reminder_plans.py), so a variable nobody can fill is a
400 then, not a skipped reminder on the day. A value that is unknown for one case is left
out, so the preview and the reminder name what is missing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.conditions import DECISION_LABELS
from messenger.platform.dates import BRUSSELS
from messenger.platform.models import (
    Case,
    CaseEvent,
    Client,
    LacSession,
    Organisation,
    StaffMember,
)

MAX_ADDRESS_LINES = 7
# The signature when nobody is named, in the client's language: a neutral sender, never an
# empty line or a Dutch word in a French letter.
NO_WORKER = {"nl": "De sociale dienst", "fr": "Le service social", "en": "The social service"}
SOURCES: dict[str, str] = {
    "voornaam": "client",
    "naam": "client",
    **{f"address_line_{n}": "client" for n in range(1, MAX_ADDRESS_LINES + 1)},
    "watermaatschappij": "case",
    "afspraak": "case",
    "moment": "session",
    "plaats": "session",
    "plaats_kort": "session",
    "datum_zitting": "session",
    "maatschappelijk_werker": "worker",
    "telefoon": "worker",
    "email": "worker",
    "ocmw": "organisation",
    "onthaal": "organisation",
    "onthaal_adres": "organisation",
    "openingsuren": "organisation",
    "website": "organisation",
    "handtekening": "organisation",
    "afspraken": "outcome",
}


async def plan_values(
    session: AsyncSession,
    case: Case,
    client: Client,
    lac_session: LacSession,
    organisation: Organisation | None,
    agreed_by_case: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`agreed_by_case`: the outcomes of a page's cases, when the caller looked them up at once
    (agreed_for); the case's own is looked up otherwise."""
    worker = await session.get(StaffMember, case.worker_id) if case.worker_id else None
    if agreed_by_case is None:
        agreed_by_case = await agreed_for(session, [case.id])
    agreed = agreed_by_case.get(case.id)
    return personalisation(case, client, lac_session, organisation, worker, agreed)


def personalisation(
    case: Case,
    client: Client,
    lac_session: LacSession,
    organisation: Organisation | None,
    worker: StaffMember | None = None,
    agreed: str | None = None,
) -> dict[str, Any]:
    """Every value the plan's templates may ask for; a template uses the ones it declares."""
    org = organisation
    values: dict[str, Any] = {
        "voornaam": client.first_name,
        "naam": f"{client.first_name} {client.last_name}",
        "moment": lac_session.starts_at.isoformat(),
        "plaats": lac_session.place,
        # SMS name the place briefly; without a short form, the full place.
        "plaats_kort": lac_session.place_short or lac_session.place,
        "watermaatschappij": case.water_company,
        "ocmw": org.name if org else "het OCMW",
        # Aftercare: the day of the session.
        "datum_zitting": lac_session.starts_at.astimezone(BRUSSELS).date().isoformat(),
    }
    # The case's own worker details, else its staff member's, else the organisation's.
    contact = {
        "maatschappelijk_werker": (
            case.worker_name,
            worker and worker.name,
            org and org.contact_name,
            # Neutral, on the signature's line above the organisation's name.
            NO_WORKER.get(client.language, NO_WORKER["nl"]),
        ),
        "telefoon": (case.worker_phone, worker and worker.phone, org and org.contact_phone),
        "email": (case.worker_email, worker and worker.email, org and org.contact_email),
    }
    if org is not None:
        contact |= {
            "onthaal_adres": (org.walk_in_address,),
            "openingsuren": (org.opening_hours,),
            "website": (org.website,),
            "handtekening": (org.signature,),
        }
    # Left out when unknown: the template then says which value is missing.
    for name, candidates in contact.items():
        found = next((c for c in candidates if c), None)
        if found:
            values[name] = found
    if case.appointment_at:
        values["afspraak"] = case.appointment_at.isoformat()
    if agreed:
        values["afspraken"] = agreed
    if org is not None and (org.contact_phone or org.contact_name):
        values["onthaal"] = ", ".join(
            p for p in (org.contact_name or org.name, org.contact_phone) if p
        )
    for number, line in enumerate(client.address_lines, start=1):
        values[f"address_line_{number}"] = line
    return values


async def agreed_for(session: AsyncSession, case_ids: list[str]) -> dict[str, str]:
    """What was agreed at the session, per case, from its latest recorded outcome."""
    if not case_ids:
        return {}
    events = await session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind == "outcome")
        .order_by(CaseEvent.occurred_at)
    )
    # Without a written agreement (often so for a client who did not come), the decision
    # itself, so a letter about it can still say what the LAC decided.
    latest = {
        event.case_id: event.details.get("agreed")
        or (event.details.get("decision") not in (None, "none") and _said(event.details))
        for event in events
    }
    return {case_id: str(agreed) for case_id, agreed in latest.items() if agreed}


def _said(details: dict[str, Any]) -> str:
    return f"{DECISION_LABELS[details['decision']]}."
