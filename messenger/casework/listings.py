"""Finding things again: sessions (upcoming or past), a session's cases, and clients by name,
mobile number, email address or national register number. Every list is one organisation's,
paged, newest or nearest first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework.national_number import InvalidNationalNumber, normalise_national_number
from messenger.messages.recipients import (
    InvalidRecipient,
    normalise_email_address,
    normalise_phone_number,
)
from messenger.platform.models import Case, Client, LacSession

MAX_PAGE_SIZE = 100
WHEN = ("upcoming", "past", "all")
CASE_STATUSES = ("open", "cancelled", "closed")
Row = TypeVar("Row")


@dataclass(frozen=True)
class Page(Generic[Row]):
    items: Sequence[Row]
    total: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total


async def _page(
    session: AsyncSession,
    query: Any,
    page: int,
    page_size: int,
    *,
    rows: bool = False,
) -> Page[Any]:
    """One page of a query and the count of all; `rows`: tuples of several entities."""
    if page < 1:
        raise ValueError("page: starts at 1")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size: 1 to {MAX_PAGE_SIZE}")
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    found = await session.execute(query.limit(page_size).offset((page - 1) * page_size))
    items = [tuple(r) for r in found.all()] if rows else list(found.scalars())
    return Page(items, total or 0, page, page_size)


async def sessions_page(
    session: AsyncSession,
    organisation_id: str,
    *,
    when: str,
    now: datetime,
    page: int = 1,
    page_size: int = 50,
) -> Page[LacSession]:
    """Upcoming: soonest first; past: latest first."""
    if when not in WHEN:
        raise ValueError(f"when: one of {', '.join(WHEN)}")
    query = select(LacSession).where(LacSession.organisation_id == organisation_id)
    if when == "upcoming":
        query = query.where(LacSession.starts_at >= now).order_by(LacSession.starts_at)
    elif when == "past":
        query = query.where(LacSession.starts_at < now).order_by(LacSession.starts_at.desc())
    else:
        query = query.order_by(LacSession.starts_at.desc())
    return await _page(session, query.order_by(LacSession.id), page, page_size)


async def cases_page(
    session: AsyncSession,
    lac_session: LacSession,
    *,
    status: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page[tuple[Case, Client]]:
    if status is not None and status not in CASE_STATUSES:
        raise ValueError(f"status: one of {', '.join(CASE_STATUSES)}")
    query = (
        select(Case, Client)
        .join(Client, Client.id == Case.client_id)
        .where(Case.session_id == lac_session.id)
        .order_by(Client.last_name, Client.first_name, Case.id)
    )
    if status:
        query = query.where(Case.status == status)
    return await _page(session, query, page, page_size, rows=True)


async def clients_page(
    session: AsyncSession,
    organisation_id: str,
    q: str,
    *,
    fingerprint: Callable[[str], str],
    page: int = 1,
    page_size: int = 50,
) -> Page[Client]:
    """One search box: an INSZ, a mobile number or an email address finds that client; any
    other text finds clients whose name holds it."""
    query = select(Client).where(Client.organisation_id == organisation_id)
    text = " ".join(q.split())
    if len(text) > 200:
        raise ValueError("q: at most 200 characters")
    if text:
        query = query.where(_matching(text, fingerprint))
    return await _page(
        session, query.order_by(Client.last_name, Client.first_name, Client.id), page, page_size
    )


def _matching(text: str, fingerprint: Callable[[str], str]) -> Any:
    try:
        return Client.national_number_hash == fingerprint(normalise_national_number(text))
    except InvalidNationalNumber:
        pass
    if "@" in text:
        try:
            return func.lower(Client.email) == normalise_email_address(text).lower()
        except InvalidRecipient:
            pass
    if sum(c.isdigit() for c in text) >= 8:
        try:
            return Client.phone_number == normalise_phone_number(text)
        except InvalidRecipient:
            pass
    full_name = func.lower(Client.first_name + " " + Client.last_name)
    # Every word somewhere in the name: "sara jan" finds Sara Janssens.
    return and_(*[full_name.contains(w.lower(), autoescape=True) for w in text.split()])
