"""SMS opt-outs: a number that replied STOP (or that Twilio reports as opted out) gets no
more text messages from that organisation, until it sends START. The current state is the
latest record, never a loose flag, so the history of who said what and when stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Insert, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.platform.db import SyncDb
from messenger.platform.models import OptOutRecord, utcnow


def record(
    session: AsyncSession, organisation_id: str, phone_number: str, *, opted_out: bool, source: str
) -> OptOutRecord:
    entry = OptOutRecord(
        organisation_id=organisation_id,
        phone_number=phone_number,
        opted_out=opted_out,
        source=source,
        created_at=utcnow(),
    )
    session.add(entry)
    return entry


def provider_stop(organisation_id: str, phone_number: str) -> Insert:
    """The provider refused the number as opted out (Twilio 21610). Run in the transaction that
    fails the message, so nobody sees the failure without the opt-out that explains it."""
    return insert(OptOutRecord).values(
        organisation_id=organisation_id,
        phone_number=phone_number,
        opted_out=True,
        source="provider",
        created_at=utcnow(),
    )


# Built once: on every SMS request, building the statement cost more than running it.
_LATEST = (
    select(OptOutRecord)
    .where(
        OptOutRecord.organisation_id == bindparam("organisation_id"),
        OptOutRecord.phone_number == bindparam("phone_number"),
    )
    .order_by(OptOutRecord.id.desc())
    .limit(1)
)

# The same, as columns (the worker's plain connection).
_LATEST_STATE = _LATEST.with_only_columns(OptOutRecord.opted_out, OptOutRecord.created_at)


async def latest(
    session: AsyncSession, organisation_id: str, phone_number: str
) -> OptOutRecord | None:
    params = {"organisation_id": organisation_id, "phone_number": phone_number}
    found: OptOutRecord | None = await session.scalar(_LATEST, params)
    return found


async def is_opted_out(session: AsyncSession, organisation_id: str, phone_number: str) -> bool:
    found = await latest(session, organisation_id, phone_number)
    return bool(found and found.opted_out)


async def opted_out_numbers(
    session: AsyncSession, organisation_id: str, phone_numbers: Sequence[str]
) -> set[str]:
    """Which of these numbers have opted out now, in one query; `is_opted_out` for one."""
    if not phone_numbers:
        return set()
    rows = await session.execute(
        select(OptOutRecord.phone_number, OptOutRecord.opted_out)
        .where(
            OptOutRecord.organisation_id == organisation_id,
            OptOutRecord.phone_number.in_(phone_numbers),
        )
        .order_by(OptOutRecord.id)
    )
    latest_state = {number: out for number, out in rows}
    return {number for number, out in latest_state.items() if out}


def opted_out_since(db: SyncDb, organisation_id: str, phone_number: str, moment: datetime) -> bool:
    """Opted out now, and said so after `moment` (a message made before the STOP). Columns,
    not the entity: the worker asks this on a plain connection, in its load transaction."""
    params = {"organisation_id": organisation_id, "phone_number": phone_number}
    found = db.execute(_LATEST_STATE, params).first()
    return bool(found and found.opted_out and found.created_at >= moment)
