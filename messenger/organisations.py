"""Organisations (tenants): one OCMW each; several may share an installation."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.models import Organisation


async def create_organisation(session: AsyncSession, name: str) -> Organisation:
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise ValueError("An organisation name needs 1 to 200 characters.")
    organisation = Organisation(name=clean)
    session.add(organisation)
    await session.flush()
    return organisation
