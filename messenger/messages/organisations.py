"""Organisations (tenants): one OCMW each; several may share an installation."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages.recipients import normalise_phone_number
from messenger.platform.models import Organisation


async def create_organisation(session: AsyncSession, name: str) -> Organisation:
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise ValueError("An organisation name needs 1 to 200 characters.")
    organisation = Organisation(name=clean)
    session.add(organisation)
    await session.flush()
    return organisation


async def update_organisation(
    session: AsyncSession,
    organisation_id: str,
    *,
    sms_sender: str | None = None,
    letter_sender: str | None = None,
    letter_logo: bool | None = None,
    sms_transliterate: bool | None = None,
    retention_days: int | None = None,
) -> Organisation:
    """Change what is given; None leaves a setting as it is."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise LookupError(f"No organisation with id {organisation_id}.")
    if sms_sender is not None:
        organisation.sms_sender = normalise_phone_number(sms_sender, "sms_sender")
    if letter_sender is not None:
        lines = [line.strip() for line in letter_sender.split("|") if line.strip()]
        if not 1 <= len(lines) <= 6:
            raise ValueError("letter_sender needs 1 to 6 lines, separated by '|'")
        organisation.letter_sender = "|".join(lines)
    if letter_logo is not None:
        organisation.letter_logo = letter_logo
    if sms_transliterate is not None:
        organisation.sms_transliterate = sms_transliterate
    if retention_days is not None:
        if not 1 <= retention_days <= 3650:
            raise ValueError("retention_days must be between 1 and 3650")
        organisation.message_retention_days = retention_days
    await session.flush()
    return organisation
