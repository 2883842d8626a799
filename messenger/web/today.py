"""Vandaag: what a social worker looks at first. Upcoming sessions, replies and tasks waiting,
messages that failed, and clients nobody can reach."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from messenger.casework import inbox, listings
from messenger.messages import statuses
from messenger.platform import roles
from messenger.platform.models import Message
from messenger.web.auth import Anyone, Session
from messenger.web.pages import render
from messenger.web.portals import home_of

router = APIRouter(include_in_schema=False)
FAILED_SINCE = timedelta(days=14)
UNREACHABLE = "unreachable"  # a task kind (inbox.TASK_KINDS)


@router.get("/", response_class=HTMLResponse)
async def today(request: Request, person: Anyone, db: Session) -> Response:
    if person.account.role not in roles.CASEWORK:
        return RedirectResponse(home_of(person.account.role), status_code=303)
    organisation_id = person.account.organisation_id
    now = request.app.state.clock.now()
    upcoming = await listings.sessions_page(
        db, organisation_id, when="upcoming", now=now, page_size=5
    )
    replies, tasks = await inbox.open_items(db, organisation_id)
    failed = list(
        await db.scalars(
            select(Message)
            .where(
                Message.organisation_id == organisation_id,
                Message.status.in_(statuses.FAILURES),
                Message.created_at >= now - FAILED_SINCE,
            )
            .order_by(Message.created_at.desc())
            .limit(20)
        )
    )
    return render(
        request,
        "today.html",
        {
            "sessions": upcoming.items,
            "replies": replies[:20],
            "tasks": [t for t in tasks if t.kind != UNREACHABLE][:20],
            "unreachable": [t for t in tasks if t.kind == UNREACHABLE][:20],
            "failed": failed,
        },
    )
