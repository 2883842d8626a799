"""What a partner organisation reads: its own shared-contact notices, and acknowledging one.
The notices themselves are made when consent changes (consent.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform.models import PartnerNotice, utcnow

SHOWN = 200


async def notices_for(
    session: AsyncSession, organisation_id: str, partner_id: str
) -> list[PartnerNotice]:
    """The partner's notices, newest first: only what the client agreed to share."""
    return list(
        await session.scalars(
            select(PartnerNotice)
            .where(
                PartnerNotice.partner_id == partner_id,
                PartnerNotice.organisation_id == organisation_id,
            )
            .order_by(PartnerNotice.created_at.desc())
            .limit(SHOWN)
        )
    )


async def acknowledge(
    session: AsyncSession, organisation_id: str, partner_id: str, notice_id: str, *, by: str
) -> PartnerNotice:
    """Mark the partner's own notice as read (once; the first reader is kept). Caller commits.
    Another partner's notice is "not there"."""
    notice = await session.scalar(
        select(PartnerNotice).where(
            PartnerNotice.id == notice_id,
            PartnerNotice.partner_id == partner_id,
            PartnerNotice.organisation_id == organisation_id,
        )
    )
    if notice is None:
        raise LookupError("No result found")
    if notice.acknowledged_at is None:
        notice.acknowledged_at, notice.acknowledged_by = utcnow(), by
    return notice
