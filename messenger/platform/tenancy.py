"""Tenants are isolated: every lookup by id is also a lookup by organisation.

Another organisation's row is "not there", the same 404 as a row that does not exist, so an
id gives nothing away.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform.models import Base

Row = TypeVar("Row", bound=Base)


async def own(session: AsyncSession, model: type[Row], organisation_id: str, object_id: str) -> Row:
    """The organisation's row of `model` with this id, or LookupError."""
    table = cast(Any, model)
    found = await session.scalar(
        select(model).where(table.id == object_id, table.organisation_id == organisation_id)
    )
    if found is None:
        raise LookupError("No result found")
    return found
