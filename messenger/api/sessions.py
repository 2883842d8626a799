"""LAC sessions, their cases, the case-list import and the reminder plan."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from messenger.api.deps import AdminKey, AppClock, Key, Session
from messenger.api.errors import bad_request
from messenger.casework import cases, reminder_plans
from messenger.platform.dates import to_brussels
from messenger.platform.models import Case, CaseEvent, LacSession, Reminder, ReminderPlan

router = APIRouter(prefix="/v2", tags=["sessions and cases"])


class SessionIn(BaseModel):
    starts_at: datetime = Field(description="With its offset, e.g. 2026-12-08T10:00:00+01:00")
    place: str = Field(min_length=1, max_length=300)
    place_short: str | None = Field(
        default=None,
        max_length=40,
        description="A short place for SMS (e.g. Sociaal Huis Gent); SMS use place without it",
    )


class SessionChange(BaseModel):
    starts_at: datetime | None = None
    place: str | None = Field(default=None, min_length=1, max_length=300)
    place_short: str | None = Field(
        default=None, max_length=40, description='"" takes the short place away'
    )


class SessionOut(SessionIn):
    id: str
    status: str
    cases: int


class CaseIn(BaseModel):
    client_id: str
    reason: str = "unpaid-bills"
    water_company: str = "De Watergroep"
    reference: str | None = Field(default=None, max_length=100)
    partner_id: str | None = None
    worker_id: str | None = Field(default=None, description="A staff member's id")
    worker_name: str | None = Field(default=None, max_length=200)
    worker_phone: str | None = Field(default=None, max_length=40)
    worker_email: str | None = Field(default=None, max_length=320)
    appointment_at: datetime | None = None


class ReminderOut(BaseModel):
    id: str
    step: str
    due_at: datetime
    status: str
    channel: str | None
    message_id: str | None
    fallback_of: str | None
    note: str


class EventOut(BaseModel):
    id: str
    kind: str
    source: str
    details: dict[str, Any]
    reported_by: str
    occurred_at: datetime


class CaseOut(CaseIn):
    id: str
    session_id: str | None
    status: str
    appointment_confirmed_at: datetime | None = None
    reminders: list[ReminderOut]
    # Outcomes and what the water company reported, oldest first.
    events: list[EventOut] = Field(default_factory=list)


class PlanIn(BaseModel):
    steps: list[dict[str, Any]]


@router.post("/lac-sessions", status_code=201, response_model=SessionOut)
async def new_session(body: SessionIn, key: Key, db: Session) -> SessionOut:
    with bad_request():
        lac = await cases.create_session(
            db, key.organisation_id, body.starts_at, body.place, body.place_short
        )
    await db.commit()
    return await _session_out(db, lac)


@router.get("/lac-sessions/{session_id}", response_model=SessionOut)
async def get_session(session_id: str, key: Key, db: Session) -> SessionOut:
    return await _session_out(db, await cases.own_session(db, key.organisation_id, session_id))


@router.patch("/lac-sessions/{session_id}", response_model=SessionOut)
async def move_session(
    session_id: str, body: SessionChange, key: Key, db: Session, clock: AppClock
) -> SessionOut:
    lac = await cases.own_session(db, key.organisation_id, session_id)
    with bad_request():
        await cases.move_session(
            db,
            lac,
            starts_at=body.starts_at,
            place=body.place,
            place_short=body.place_short,
            now=clock.now(),
        )
    await db.commit()
    return await _session_out(db, lac)


@router.post("/lac-sessions/{session_id}/cancel", response_model=SessionOut)
async def cancel_session(session_id: str, key: Key, db: Session, clock: AppClock) -> SessionOut:
    lac = await cases.own_session(db, key.organisation_id, session_id)
    await cases.cancel_session(db, lac, now=clock.now())
    await db.commit()
    return await _session_out(db, lac)


@router.post("/lac-sessions/{session_id}/cases", status_code=201, response_model=CaseOut)
async def new_case(
    session_id: str, body: CaseIn, key: Key, db: Session, clock: AppClock
) -> CaseOut:
    lac = await cases.own_session(db, key.organisation_id, session_id)
    with bad_request():
        case = await cases.add_case(db, lac, cases.CaseData(**body.model_dump()), now=clock.now())
    await db.commit()
    return await _case_out(db, case)


@router.get("/cases/{case_id}", response_model=CaseOut)
async def get_case(case_id: str, key: Key, db: Session) -> CaseOut:
    return await _case_out(db, await cases.own_case(db, key.organisation_id, case_id))


class CaseChange(BaseModel):
    worker_id: str | None = None
    worker_name: str | None = Field(default=None, max_length=200)
    worker_phone: str | None = Field(default=None, max_length=40)
    worker_email: str | None = Field(default=None, max_length=320)
    appointment_at: datetime | None = None
    partner_id: str | None = None
    reference: str | None = Field(default=None, max_length=100)


@router.patch("/cases/{case_id}", response_model=CaseOut)
async def change_case(case_id: str, body: CaseChange, key: Key, db: Session) -> CaseOut:
    """Change the worker, the appointment or the partner; give null to clear one. Steps not
    sent yet use the new details."""
    case = await cases.own_case(db, key.organisation_id, case_id)
    with bad_request():
        await cases.update_case(db, case, body.model_dump(exclude_unset=True))
    await db.commit()
    return await _case_out(db, case)


@router.post("/cases/{case_id}/cancel", response_model=CaseOut)
async def cancel_case(case_id: str, key: Key, db: Session) -> CaseOut:
    case = await cases.own_case(db, key.organisation_id, case_id)
    await cases.cancel_case(db, case)
    await db.commit()
    return await _case_out(db, case)


@router.get("/reminder-plan")
async def get_plan(key: Key, db: Session) -> dict[str, Any]:
    stored = await db.scalar(
        select(ReminderPlan).where(ReminderPlan.organisation_id == key.organisation_id)
    )
    return {
        "steps": stored.steps if stored else reminder_plans.DEFAULT_STEPS,
        "default": not stored,
    }


@router.put("/reminder-plan")
async def put_plan(body: PlanIn, key: AdminKey, db: Session) -> dict[str, Any]:
    with bad_request():
        await reminder_plans.save_plan(db, key.organisation_id, body.steps)
    await db.commit()
    return {"steps": body.steps, "default": False}


async def _session_out(db: Session, lac: LacSession) -> SessionOut:
    count = await db.scalar(select(func.count()).where(Case.session_id == lac.id)) or 0
    return SessionOut(
        id=lac.id,
        starts_at=to_brussels(lac.starts_at),
        place=lac.place,
        place_short=lac.place_short,
        status=lac.status,
        cases=count,
    )


async def _case_out(db: Session, case: Case) -> CaseOut:
    events = await db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.occurred_at)
    )
    rows = await db.scalars(
        select(Reminder)
        .where(Reminder.case_id == case.id)
        .order_by(Reminder.due_at, Reminder.created_at)
    )
    return CaseOut(
        id=case.id,
        session_id=case.session_id,
        status=case.status,
        client_id=case.client_id,
        reason=case.reason,
        water_company=case.water_company,
        reference=case.reference,
        partner_id=case.partner_id,
        worker_id=case.worker_id,
        worker_name=case.worker_name,
        worker_phone=case.worker_phone,
        worker_email=case.worker_email,
        appointment_at=_local(case.appointment_at),
        appointment_confirmed_at=_local(case.appointment_confirmed_at),
        events=[
            EventOut(
                id=e.id,
                kind=e.kind,
                source=e.source,
                details=e.details,
                reported_by=e.reported_by,
                occurred_at=to_brussels(e.occurred_at),
            )
            for e in events
        ],
        reminders=[
            ReminderOut(
                id=r.id,
                step=r.step,
                due_at=to_brussels(r.due_at),
                status=r.status,
                channel=r.channel,
                message_id=r.message_id,
                fallback_of=r.fallback_of,
                note=r.note,
            )
            for r in rows
        ],
    )


def _local(moment: datetime | None) -> datetime | None:
    """Times a person reads are Brussels time, with their offset."""
    return to_brussels(moment) if moment is not None else None
