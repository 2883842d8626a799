"""The organisation's contact profile and calendar, and its staff (the social workers a case
names). Everyone in the organisation reads them; admins change them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from messenger.api.deps import AdminKey, Key, Session
from messenger.api.errors import bad_request
from messenger.casework import organisations, staff
from messenger.platform.models import Organisation, StaffMember

router = APIRouter(prefix="/v2", tags=["organisation and staff"])


class ProfileChange(BaseModel):
    contact_name: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=40)
    contact_email: str | None = Field(default=None, max_length=320)
    walk_in_address: str | None = Field(default=None, max_length=300)
    opening_hours: str | None = Field(default=None, max_length=300)
    website: str | None = Field(default=None, max_length=300)
    signature: str | None = Field(default=None, max_length=300)
    quiet_start: str | None = Field(default=None, description="HH:MM, Brussels time")
    quiet_end: str | None = Field(default=None, description="HH:MM, Brussels time")
    open_weekdays: list[int] | None = Field(
        default=None, max_length=7, description="Days messages may go out, 0 = Monday"
    )
    working_weekdays: list[int] | None = Field(
        default=None, max_length=7, description="Days that count as working days, 0 = Monday"
    )
    flemish_holiday: bool | None = Field(default=None, description="Closed on 11 July")
    closed_days: list[str] | None = Field(
        default=None, max_length=366, description="The municipality's own closed days"
    )


class StaffIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    team: str | None = Field(default=None, max_length=200)


class StaffChange(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    team: str | None = Field(default=None, max_length=200)
    active: bool | None = None


@router.get("/organisation")
async def get_profile(key: Key, db: Session) -> dict[str, Any]:
    organisation = await db.get(Organisation, key.organisation_id)
    assert organisation is not None
    return _profile(organisation)


@router.patch("/organisation")
async def change_profile(body: ProfileChange, key: AdminKey, db: Session) -> dict[str, Any]:
    with bad_request():
        organisation = await organisations.update_profile(
            db, key.organisation_id, body.model_dump(exclude_unset=True)
        )
    await db.commit()
    return _profile(organisation)


@router.get("/staff")
async def list_staff(key: Key, db: Session) -> dict[str, Any]:
    return {"staff": [_staff(m) for m in await staff.list_staff(db, key.organisation_id)]}


@router.post("/staff", status_code=201)
async def add_staff(body: StaffIn, key: AdminKey, db: Session) -> dict[str, Any]:
    with bad_request():
        member = await staff.add_staff(
            db, key.organisation_id, staff.StaffData(**body.model_dump())
        )
    await db.commit()
    return _staff(member)


@router.patch("/staff/{staff_id}")
async def change_staff(
    staff_id: str, body: StaffChange, key: AdminKey, db: Session
) -> dict[str, Any]:
    member = await staff.own_staff(db, key.organisation_id, staff_id)
    with bad_request():
        await staff.update_staff(db, member, body.model_dump(exclude_unset=True))
    await db.commit()
    return _staff(member)


def _profile(organisation: Organisation) -> dict[str, Any]:
    fields = (*organisations.PROFILE_LIMITS, *organisations.CALENDAR_FIELDS)
    return {"id": organisation.id, "name": organisation.name} | {
        f: getattr(organisation, f) for f in fields
    }


def _staff(member: StaffMember) -> dict[str, Any]:
    return {
        "id": member.id,
        "name": member.name,
        "phone": member.phone,
        "email": member.email,
        "team": member.team,
        "active": member.active,
    }
