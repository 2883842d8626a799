"""LAC sessions and their cases: planning, moving and cancelling (imports: case_list.py).

Every change that touches the calendar goes through here, so the reminders follow: a new
case gets the plan's steps still ahead, a moved session gets new times, a cancelled session
or case cancels what was still pending (reminders.py does the scheduling).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import reminders
from messenger.casework.case_columns import MAX_PLACE_SHORT, REASONS, WATER_COMPANIES
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
    session: AsyncSession,
    organisation_id: str,
    starts_at: datetime,
    place: str,
    place_short: str | None = None,
) -> LacSession:
    if starts_at.tzinfo is None:
        raise ValueError("starts_at needs a time zone (e.g. 2026-12-08T10:00:00+01:00)")
    if not place.strip():
        raise ValueError("place is required")
    place_short = (place_short or "").strip() or None
    check_place_short(place_short)
    lac_session = LacSession(
        organisation_id=organisation_id,
        starts_at=starts_at,
        place=place,
        place_short=place_short,
    )
    session.add(lac_session)
    await session.flush()
    return lac_session


def check_place_short(place_short: str | None) -> None:
    if place_short is not None and len(place_short) > MAX_PLACE_SHORT:
        raise ValueError(
            f"place_short: at most {MAX_PLACE_SHORT} characters, so an SMS stays one part"
        )


async def own_session(session: AsyncSession, organisation_id: str, session_id: str) -> LacSession:
    return await own(session, LacSession, organisation_id, session_id)


async def move_session(
    session: AsyncSession,
    lac_session: LacSession,
    *,
    starts_at: datetime | None = None,
    place: str | None = None,
    place_short: str | None = None,
    now: datetime | None = None,
) -> int:
    """Returns how many reminders were planned by the move (a notice of it included)."""
    if lac_session.status != "planned":
        raise ValueError("a cancelled session cannot be moved")
    before = (lac_session.starts_at, lac_session.place, lac_session.place_short)
    if starts_at is not None:
        if starts_at.tzinfo is None:
            raise ValueError("starts_at needs a time zone")
        lac_session.starts_at = starts_at
    if place is not None and place != lac_session.place:
        lac_session.place = place
        # A short place written for the old place would now be wrong.
        lac_session.place_short = (place_short or "").strip() or None
    elif place_short is not None:
        lac_session.place_short = place_short.strip() or None
    check_place_short(lac_session.place_short)
    changed = before != (lac_session.starts_at, lac_session.place, lac_session.place_short)
    lac_session.updated_at = utcnow()
    await session.flush()
    return await reminders.reschedule_session(session, lac_session, now=now, changed=changed)


async def cancel_session(
    session: AsyncSession, lac_session: LacSession, *, now: datetime | None = None
) -> int:
    """Cancels what was pending; the clients already told about the session are told it is
    cancelled (the plan's "session-cancelled" steps). Returns how many were cancelled."""
    lac_session.status, lac_session.updated_at = "cancelled", utcnow()
    case_ids = list(await session.scalars(select(Case.id).where(Case.session_id == lac_session.id)))
    cancelled = await reminders.cancel_pending(session, case_ids, "de zitting is geannuleerd")
    await reminders.tell_told(
        session, await open_cases(session, lac_session), "session-cancelled", now=now
    )
    return cancelled


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
    await _check_links(session, organisation_id, data)
    case = Case(organisation_id=organisation_id, session_id=lac_session.id, **vars(data))
    session.add(case)
    await session.flush()
    if lac_session.status == "planned":
        await reminders.schedule_case(session, case, lac_session, now=now)
    return case


async def _check_links(session: AsyncSession, organisation_id: str, data: CaseData) -> None:
    """The partner and the worker a case names are this organisation's own."""
    partner = await session.get(Partner, data.partner_id) if data.partner_id else None
    if data.partner_id and (partner is None or partner.organisation_id != organisation_id):
        raise LookupError("partner_id: no such partner in this organisation")
    worker = await session.get(StaffMember, data.worker_id) if data.worker_id else None
    if data.worker_id and (worker is None or worker.organisation_id != organisation_id):
        raise LookupError("worker_id: no such staff member in this organisation")
    if worker is not None and not worker.active:
        raise ValueError(f"worker_id: {worker.name} is no longer active; choose another worker")


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


CHANGEABLE = (
    "worker_id",
    "worker_name",
    "worker_phone",
    "worker_email",
    "appointment_at",
    "partner_id",
    "reference",
)


async def update_case(session: AsyncSession, case: Case, changes: dict[str, Any]) -> Case:
    """Change who the worker is, the appointment or the partner; the steps not sent yet use
    the new details (they are filled in when they go out). Caller commits."""
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"{sorted(unknown)[0]}: cannot be changed on a case")
    if case.status != "open":
        raise ValueError("status: only an open case can be changed")
    data = CaseData(
        client_id=case.client_id,
        reason=case.reason,
        water_company=case.water_company,
        **{name: changes.get(name, getattr(case, name)) for name in CHANGEABLE},
    )
    check_case(data)
    await _check_links(session, case.organisation_id, data)
    lac = await session.get(LacSession, case.session_id) if case.session_id else None
    if lac is not None and data.appointment_at is not None and data.appointment_at >= lac.starts_at:
        raise ValueError("appointment_at: the appointment comes before the session")
    moved = data.appointment_at != case.appointment_at
    for name in CHANGEABLE:
        setattr(case, name, getattr(data, name))
    if moved:
        case.appointment_confirmed_at = None  # a "JA" was for the old appointment
    await session.flush()
    if moved and lac is not None and lac.status == "planned":
        await reminders.reschedule_appointment(session, case, lac)
    await reminders.foresee(session, case)
    return case
