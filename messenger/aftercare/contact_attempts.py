"""Contact attempts recorded by hand: calls, home visits, cards, appointments.

Messages are contact attempts too; they are counted from the messages themselves, so only
what happens outside Messenger is recorded here. Together they feed the "what works" report.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from messenger.aftercare.what_works import OUTCOMES as WHAT_OUTCOMES
from messenger.platform.models import Case, Client, ContactAttempt, utcnow
from messenger.platform.tenancy import own

METHODS = ("call", "home-visit-announced", "home-visit-unannounced", "card", "appointment", "other")
# The outcomes and what each one counts as live in what_works.py, beside their meaning.
OUTCOMES = tuple(WHAT_OUTCOMES)


async def record(
    session: AsyncSession,
    client: Client,
    *,
    method: str,
    outcome: str,
    recorded_by: str,
    case_id: str | None = None,
    note: str | None = None,
    attempted_at: datetime | None = None,
) -> ContactAttempt:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if attempted_at is not None and attempted_at.tzinfo is None:
        raise ValueError("attempted_at needs a time zone")
    if case_id is not None:
        # The case must be this client's, in this organisation.
        case = await own(session, Case, client.organisation_id, case_id)
        if case.client_id != client.id:
            raise LookupError("No result found")
    attempt = ContactAttempt(
        organisation_id=client.organisation_id,
        client_id=client.id,
        case_id=case_id,
        method=method,
        outcome=outcome,
        note=note,
        attempted_at=attempted_at or utcnow(),
        recorded_by=recorded_by,
    )
    session.add(attempt)
    await session.flush()
    return attempt
