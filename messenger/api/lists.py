"""Lists to find things again: sessions (upcoming, past), a session's cases with their next
step, and clients by name, mobile number, email address or INSZ. Paged: `page`, `page_size`
(at most 100), and `links.next` while there is more."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.api.deps import AppClock, Key, Session
from messenger.api.errors import bad_request
from messenger.api.imports import local
from messenger.casework import cases, listings
from messenger.casework.listings import Page
from messenger.platform.models import Case, Client, Reminder

router = APIRouter(prefix="/v2", tags=["sessions and cases"])
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=listings.MAX_PAGE_SIZE)]


@router.get("/lac-sessions")
async def list_sessions(
    request: Request,
    key: Key,
    db: Session,
    clock: AppClock,
    when: Annotated[str, Query(description="upcoming, past or all")] = "upcoming",
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    with bad_request():
        found = await listings.sessions_page(
            db, key.organisation_id, when=when, now=clock.now(), page=page, page_size=page_size
        )
    items = [
        {"id": s.id, "starts_at": local(s.starts_at), "place": s.place, "status": s.status}
        for s in found.items
    ]
    return _paged("sessions", items, found, request)


@router.get("/lac-sessions/{session_id}/cases")
async def list_cases(
    session_id: str,
    request: Request,
    key: Key,
    db: Session,
    status: Annotated[str | None, Query(description="open, cancelled or closed")] = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    lac = await cases.own_session(db, key.organisation_id, session_id)
    with bad_request():
        found = await listings.cases_page(db, lac, status=status, page=page, page_size=page_size)
    items = [await _case_row(db, case, client) for case, client in found.items]
    return _paged("cases", items, found, request)


async def _case_row(db: AsyncSession, case: Case, client: Client) -> dict[str, Any]:
    following = await db.scalar(
        select(Reminder)
        .where(Reminder.case_id == case.id, Reminder.status == "pending")
        .order_by(Reminder.due_at)
        .limit(1)
    )
    return {
        "id": case.id,
        "client_id": client.id,
        "client": f"{client.first_name} {client.last_name}",
        "status": case.status,
        "reason": case.reason,
        "worker_id": case.worker_id,
        "appointment_at": local(case.appointment_at) if case.appointment_at else None,
        "next_step": (
            {"step": following.step, "due_at": local(following.due_at)} if following else None
        ),
    }


@router.get("/clients")
async def search_clients(
    request: Request,
    key: Key,
    db: Session,
    q: Annotated[str, Query(max_length=200, description="name, mobile, email or INSZ")] = "",
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    fingerprint = request.app.state.secret_box.fingerprint
    with bad_request():
        found = await listings.clients_page(
            db, key.organisation_id, q, fingerprint=fingerprint, page=page, page_size=page_size
        )
    items = [
        {
            "id": c.id,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "phone_number": c.phone_number,
            "email": c.email,
            "address_lines": c.address_lines,
        }
        for c in found.items
    ]
    return _paged("clients", items, found, request)


def _paged(name: str, items: list[Any], found: Page[Any], request: Request) -> dict[str, Any]:
    links: dict[str, str] = {"current": str(request.url)}
    if found.has_next:
        links["next"] = str(request.url.include_query_params(page=found.page + 1))
    return {name: items, "total": found.total, "page": found.page, "links": links}
