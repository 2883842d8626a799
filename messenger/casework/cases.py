"""LAC sessions and their cases: planning, moving and cancelling (imports: case_list.py).

Every change that touches the calendar goes through here, so the reminders follow: a new
case gets the plan's steps still ahead, a moved session gets new times, a cancelled session
or case cancels what was still pending (reminders.py does the scheduling).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import reminders
from messenger.casework.case_columns import REASONS, WATER_COMPANIES
from messenger.casework.clients import own_client
from messenger.platform.models import Case, LacSession, Partner, StaffMember, utcnow
from messenger.platform.tenancy import own


@dataclass(frozen=True)
class CaseData:
    client_id: str
    reason: str = "unpaid-bills"
    water_company: str = "De Watergroep"
    reference: str | None = None
    partner_id: str | None = None
    worker_id: str | None = None
    worker_name: str | None = None
    worker_phone: str | None = None
    worker_email: str | None = None
    appointment_at: datetime | None = None


async def create_session(
    session: AsyncSession, organisation_id: str, starts_at: datetime, place: str
) -> LacSession:
    if starts_at.tzinfo is None:
        raise ValueError("starts_at needs a time zone (e.g. 2026-12-08T10:00:00+01:00)")
    if not place.strip():
        raise ValueError("place is required")
    lac_session = LacSession(organisation_id=organisation_id, starts_at=starts_at, place=place)
    session.add(lac_session)
    await session.flush()
    return lac_session


async def own_session(session: AsyncSession, organisation_id: str, session_id: str) -> LacSession:
    return await own(session, LacSession, organisation_id, session_id)


async def move_session(
    session: AsyncSession,
    lac_session: LacSession,
    *,
    starts_at: datetime | None = None,
    place: str | None = None,
    now: datetime | None = None,
) -> int:
    """Returns how many reminders are pending after the move."""
    if lac_session.status != "planned":
        raise ValueError("a cancelled session cannot be moved")
    if starts_at is not None:
        if starts_at.tzinfo is None:
            raise ValueError("starts_at needs a time zone")
        lac_session.starts_at = starts_at
    if place is not None:
        lac_session.place = place
    lac_session.updated_at = utcnow()
    await session.flush()
    return await reminders.reschedule_session(session, lac_session, now=now)


async def cancel_session(session: AsyncSession, lac_session: LacSession) -> int:
    lac_session.status, lac_session.updated_at = "cancelled", utcnow()
    case_ids = list(await session.scalars(select(Case.id).where(Case.session_id == lac_session.id)))
    return await reminders.cancel_pending(session, case_ids, "de zitting is geannuleerd")


async def add_case(
    session: AsyncSession,
    lac_session: LacSession,
    data: CaseData,
    *,
    now: datetime | None = None,
) -> Case:
    organisation_id = lac_session.organisation_id
    await own_client(session, organisation_id, data.client_id)
    check_case(data)
    if data.partner_id is not None:
        partner = await session.get(Partner, data.partner_id)
        if partner is None or partner.organisation_id != organisation_id:
            raise LookupError("partner_id: no such partner in this organisation")
    if data.worker_id is not None:
        worker = await session.get(StaffMember, data.worker_id)
        if worker is None or worker.organisation_id != organisation_id:
            raise LookupError("worker_id: no such staff member in this organisation")
    case = Case(organisation_id=organisation_id, session_id=lac_session.id, **vars(data))
    session.add(case)
    await session.flush()
    if lac_session.status == "planned":
        await reminders.schedule_case(session, case, lac_session, now=now)
    return case


def check_case(data: CaseData) -> None:
    if data.reason not in REASONS:
        raise ValueError(f"reason must be one of {', '.join(REASONS)}")
    if data.water_company not in WATER_COMPANIES:
        raise ValueError(f"water_company must be one of {', '.join(WATER_COMPANIES)}")
    if data.appointment_at is not None and data.appointment_at.tzinfo is None:
        raise ValueError("appointment_at needs a time zone")


async def own_case(session: AsyncSession, organisation_id: str, case_id: str) -> Case:
    return await own(session, Case, organisation_id, case_id)


async def cancel_case(session: AsyncSession, case: Case) -> int:
    case.status = "cancelled"
    return await reminders.cancel_pending(session, [case.id], "het dossier is geannuleerd")


async def open_cases(session: AsyncSession, lac_session: LacSession) -> list[Case]:
    return list(
        await session.scalars(
            select(Case)
            .where(Case.session_id == lac_session.id, Case.status == "open")
            .order_by(Case.created_at)
        )
    )
