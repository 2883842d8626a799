"""The water company's door: its own cases, and events it reports on them."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from messenger.aftercare import water_company
from messenger.api.deps import Session, WaterCompanyKey
from messenger.api.errors import bad_request
from messenger.platform.models import Case

router = APIRouter(prefix="/v2/water-company", tags=["water company"])


class CaseSummary(BaseModel):
    id: str
    reference: str | None
    reason: str
    status: str
    created_at: datetime


class EventIn(BaseModel):
    kind: str = Field(description=", ".join(water_company.EVENT_KINDS))
    note: str | None = Field(default=None, max_length=1000)


class EventOut(EventIn):
    id: str
    case_id: str
    occurred_at: datetime


@router.get("/cases", response_model=list[CaseSummary])
async def my_cases(key: WaterCompanyKey, db: Session) -> list[CaseSummary]:
    return [_summary(c) for c in await water_company.own_cases(db, key)]


@router.post("/cases/{case_id}/events", status_code=201, response_model=EventOut)
async def report(case_id: str, body: EventIn, key: WaterCompanyKey, db: Session) -> EventOut:
    case = await water_company.own_case(db, key, case_id)
    with bad_request():
        event = await water_company.report_event(db, key, case, body.kind, body.note)
    await db.commit()
    return EventOut(
        id=event.id, case_id=case.id, kind=event.kind, note=body.note, occurred_at=event.occurred_at
    )


def _summary(case: Case) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        reference=case.reference,
        reason=case.reason,
        status=case.status,
        created_at=case.created_at,
    )
