"""Partner organisations: set up by the OCMW; a partner key reads its own notices only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from messenger.api.deps import Key, PartnerKey, Session
from messenger.api.errors import bad_request
from messenger.messages import partner_notices
from messenger.messages.recipients import normalise_email_address
from messenger.platform.models import Partner, PartnerNotice

router = APIRouter(prefix="/v2", tags=["partners"])


class PartnerIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=1, max_length=40)
    address: str = Field(min_length=1, max_length=300)
    opening_hours: str = Field(min_length=1, max_length=300)
    notice_email: str


class PartnerOut(PartnerIn):
    id: str


class NoticeOut(BaseModel):
    id: str
    kind: str
    shared: dict[str, Any]
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


@router.post("/partners", status_code=201, response_model=PartnerOut)
async def new_partner(body: PartnerIn, key: Key, db: Session) -> PartnerOut:
    with bad_request():
        email = normalise_email_address(body.notice_email, "notice_email")
    partner = Partner(
        organisation_id=key.organisation_id, **{**body.model_dump(), "notice_email": email}
    )
    db.add(partner)
    await db.commit()
    return PartnerOut(id=partner.id, **body.model_dump() | {"notice_email": email})


@router.get("/partners", response_model=list[PartnerOut])
async def list_partners(key: Key, db: Session) -> list[PartnerOut]:
    rows = await db.scalars(
        select(Partner).where(Partner.organisation_id == key.organisation_id).order_by(Partner.name)
    )
    return [
        PartnerOut(
            id=p.id,
            name=p.name,
            phone=p.phone,
            address=p.address,
            opening_hours=p.opening_hours,
            notice_email=p.notice_email,
        )
        for p in rows
    ]


@router.get("/partner-notices", response_model=list[NoticeOut])
async def my_notices(key: PartnerKey, db: Session) -> list[NoticeOut]:
    """A partner key's own notices, newest first: only what the client agreed to share."""
    assert key.partner_id  # a partner key always has one (roles.check_role)
    rows = await partner_notices.notices_for(db, key.organisation_id, key.partner_id)
    return [_notice(n) for n in rows]


@router.post("/partner-notices/{notice_id}/acknowledge", response_model=NoticeOut)
async def acknowledge(notice_id: str, key: PartnerKey, db: Session) -> NoticeOut:
    assert key.partner_id
    notice = await partner_notices.acknowledge(
        db, key.organisation_id, key.partner_id, notice_id, by=key.name
    )
    await db.commit()
    return _notice(notice)


def _notice(notice: PartnerNotice) -> NoticeOut:
    return NoticeOut(
        id=notice.id,
        kind=notice.kind,
        shared=notice.shared,
        created_at=notice.created_at,
        acknowledged_at=notice.acknowledged_at,
        acknowledged_by=notice.acknowledged_by,
    )
