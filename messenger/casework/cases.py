"""LAC sessions and their cases: planning, moving, cancelling, and the case-list import.

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
from messenger.casework.case_import import REASONS, WATER_COMPANIES, ImportReport
from messenger.casework.clients import ClientData, create_client, own_client
from messenger.platform.models import Case, Client, LacSession, Partner, utcnow
from messenger.platform.tenancy import own


@dataclass(frozen=True)
class CaseData:
    client_id: str
    reason: str = "unpaid-bills"
    water_company: str = "De Watergroep"
    reference: str | None = None
    partner_id: str | None = None
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


async def import_cases(
    session: AsyncSession,
    lac_session: LacSession,
    report: ImportReport,
    *,
    now: datetime | None = None,
) -> list[Case]:
    """All rows or none: the caller commits only when this returns (a checked report only)."""
    if not report.ok:
        raise ValueError("the case list has errors; nothing was imported")
    made = []
    for row in report.cases:
        imported = row.client
        # A shared phone is not a person: two clients on one phone stay two clients.
        phone = None if imported.shared_phone else imported.phone_number
        client = await _existing_client(session, lac_session.organisation_id, phone, imported.email)
        if client is not None:
            # A safety flag in the new list is added, never taken away by a list.
            client.no_sms = client.no_sms or imported.no_sms
            client.no_letters_at_home = client.no_letters_at_home or imported.no_letters_at_home
            client.shared_phone = client.shared_phone or imported.shared_phone
        if client is None:
            client = await create_client(
                session,
                lac_session.organisation_id,
                ClientData(
                    first_name=imported.first_name,
                    last_name=imported.last_name,
                    language=imported.language,
                    phone_number=imported.phone_number,
                    email=imported.email,
                    address=tuple(imported.address_lines[1:]),
                    no_sms=imported.no_sms,
                    no_letters_at_home=imported.no_letters_at_home,
                    shared_phone=imported.shared_phone,
                ),
            )
        data = CaseData(
            client_id=client.id,
            reason=row.reason,
            water_company=row.water_company,
            reference=row.reference,
        )
        made.append(await add_case(session, lac_session, data, now=now))
    return made


async def _existing_client(
    session: AsyncSession, organisation_id: str, phone: str | None, email: str | None
) -> Client | None:
    """A client already known by the same mobile number or email is the same person."""
    for column, value in ((Client.phone_number, phone), (Client.email, email)):
        if value:
            query = select(Client).where(Client.organisation_id == organisation_id, column == value)
            if column is Client.phone_number:
                query = query.where(Client.shared_phone.is_(False))
            found = await session.scalar(query.limit(1))
            if found is not None:
                return found
    return None
