"""Staff members: the social workers a client can call. A case names one; its details fill the
templates, and the organisation's profile fills in what a worker's record lacks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.case_columns import fold
from messenger.messages.recipients import normalise_email_address
from messenger.platform.models import StaffMember
from messenger.platform.tenancy import own

_LIMITS = {"name": 200, "phone": 40, "email": 320, "team": 200}


@dataclass(frozen=True)
class StaffData:
    name: str
    phone: str | None = None
    email: str | None = None
    team: str | None = None


def _clean(field: str, value: str | None) -> str | None:
    text = " ".join((value or "").split())
    if len(text) > _LIMITS[field]:
        raise ValueError(f"{field}: at most {_LIMITS[field]} characters")
    if text and field == "email":
        return normalise_email_address(text, field)
    return text or None


async def add_staff(session: AsyncSession, organisation_id: str, data: StaffData) -> StaffMember:
    name = _clean("name", data.name)
    if name is None:
        raise ValueError("name: a staff member needs a name")
    same = await find_by_name(session, organisation_id, name)
    if same is not None:
        raise ValueError(f"name: {name} is already a staff member ({same.id})")
    member = StaffMember(
        organisation_id=organisation_id,
        name=name,
        phone=_clean("phone", data.phone),
        email=_clean("email", data.email),
        team=_clean("team", data.team),
    )
    session.add(member)
    await session.flush()
    return member


async def update_staff(
    session: AsyncSession, member: StaffMember, changes: dict[str, str | bool | None]
) -> StaffMember:
    for field, value in changes.items():
        if field == "active":
            if not isinstance(value, bool):
                raise ValueError("active: true or false")
            member.active = value
        elif field in _LIMITS:
            cleaned = _clean(field, None if value is None else str(value))
            if field == "name":
                if cleaned is None:
                    raise ValueError("name: a staff member needs a name")
                # A case list names a worker by name: two with the same name would be a guess.
                same = await find_by_name(session, member.organisation_id, cleaned)
                if same is not None and same.id != member.id:
                    raise ValueError(f"name: {cleaned} is already a staff member ({same.id})")
            setattr(member, field, cleaned)
        else:
            raise ValueError(f"{field}: not a staff member's detail")
    await session.flush()
    return member


async def list_staff(
    session: AsyncSession, organisation_id: str, *, active_only: bool = False
) -> list[StaffMember]:
    query = select(StaffMember).where(StaffMember.organisation_id == organisation_id)
    if active_only:
        query = query.where(StaffMember.active.is_(True))
    return list(await session.scalars(query.order_by(StaffMember.name)))


async def own_staff(session: AsyncSession, organisation_id: str, staff_id: str) -> StaffMember:
    return await own(session, StaffMember, organisation_id, staff_id)


async def find_by_name(
    session: AsyncSession, organisation_id: str, name: str
) -> StaffMember | None:
    wanted = fold(name)
    for member in await list_staff(session, organisation_id):
        if fold(member.name) == wanted:
            return member
    return None


def directory(members: list[StaffMember]) -> dict[str, str]:
    """How a case list may name a worker: by id or by name (case and accents ignored)."""
    found: dict[str, str] = {}
    for member in members:
        if member.active:
            found[member.id] = member.id
            found[fold(member.name)] = member.id
    return found
