"""Notify's `scheduled_for`: a message asked to go out later, up to 7 days ahead. A moment
without an offset is Brussels time, as people write it; one that falls in the organisation's
quiet hours, on a closed day or a holiday moves to the next moment messages may go out."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.calendar import calendar_of
from messenger.platform.dates import BRUSSELS
from messenger.platform.models import Organisation

MAX_AHEAD = timedelta(days=7)
# A moment a little in the past (a slow client, a clock a bit behind) means "now".
GRACE = timedelta(minutes=1)


def parse_moment(raw: str) -> datetime:
    """ISO 8601 or Notify's "YYYY-MM-DD HH:MM"; without an offset, Brussels time."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            "scheduled_for: not a date and time; write it as 2026-12-08 10:00 (Brussels time)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BRUSSELS)


async def when_to_send(
    session: AsyncSession, organisation_id: str, raw: str, now: datetime
) -> datetime:
    """The moment a scheduled message goes out, or ValueError naming what is wrong."""
    moment = parse_moment(raw)
    if moment < now - GRACE:
        raise ValueError("scheduled_for: datetime cannot be in the past")
    if moment > now + MAX_AHEAD:
        raise ValueError("scheduled_for: datetime can only be up to 7 days in the future")
    organisation = await session.get(Organisation, organisation_id)
    quiet = calendar_of(organisation, today=moment.astimezone(BRUSSELS).date())
    return quiet.next_allowed(max(moment, now))
