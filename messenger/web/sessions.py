"""Zittingen: the organisation's LAC sessions, and one session with its cases and the steps of
each case's plan (sent, planned, skipped with the reason, failed)."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.casework import cases, listings
from messenger.casework.plan_preview import Lookups, StepPreview, preview_case
from messenger.casework.plan_values import agreed_for
from messenger.casework.reachability import facts_for_clients
from messenger.platform.models import Case, Client, Message, Reminder, StaffMember
from messenger.web.auth import Session, Staff
from messenger.web.pages import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
# A session page judges each case's plan on today's facts: 25 cases keep it under 200 ms
# with a year of data (bench/pages.py).
CASES_PER_PAGE = 25


@router.get("/zittingen", response_class=HTMLResponse)
async def sessions_list(
    request: Request,
    person: Staff,
    db: Session,
    wanneer: str = Query("upcoming", pattern="^(upcoming|past)$"),
    pagina: int = Query(1, ge=1, le=10_000),
) -> HTMLResponse:
    found = await listings.sessions_page(
        db,
        person.account.organisation_id,
        when=wanneer,
        now=request.app.state.clock.now(),
        page=pagina,
        page_size=PAGE_SIZE,
    )
    return render(request, "sessions.html", {"found": found, "when": wanneer})


@router.get("/zittingen/{session_id}", response_class=HTMLResponse)
async def session_page(
    request: Request,
    session_id: str,
    person: Staff,
    db: Session,
    pagina: int = Query(1, ge=1, le=10_000),
) -> HTMLResponse:
    lac = await cases.own_session(db, person.account.organisation_id, session_id)
    found = await listings.cases_page(db, lac, page=pagina, page_size=CASES_PER_PAGE)
    steps, previews = await plans_of(db, [case for case, _ in found.items])
    return render(
        request,
        "session.html",
        {
            "lac": lac,
            "found": found,
            "steps": steps,
            "previews": previews,
            "imported": request.query_params.get("geimporteerd"),
            "unreachable": request.query_params.get("onbereikbaar"),
            "moved": request.query_params.get("verplaatst") == "1",
            "cancelled": request.query_params.get("geannuleerd") == "1",
        },
    )


Steps = dict[str, list[tuple[Reminder, Message | None]]]
Previews = dict[tuple[str, str], StepPreview]


async def plans_of(db: AsyncSession, shown: list[Case]) -> tuple[Steps, Previews]:
    """Each case's plan steps with their messages, and for the steps still ahead the channel
    each will use on today's facts, or why none (for the `_plan.html` table)."""
    steps: Steps = defaultdict(list)
    rows = await db.execute(
        select(Reminder, Message)
        .outerjoin(Message, Message.id == Reminder.message_id)
        .where(Reminder.case_id.in_([case.id for case in shown]))
        .order_by(Reminder.due_at, Reminder.created_at)
    )
    for reminder, message in rows:
        steps[reminder.case_id].append((reminder, message))
    previews: Previews = {}
    lookups = Lookups()
    open_cases = [case for case in shown if case.status == "open"]
    # The page's clients and workers in one query each, and their consent, STOPs, agreed
    # outcomes and what happened in a few more, not several queries a case.
    clients = list(
        await db.scalars(select(Client).where(Client.id.in_([c.client_id for c in open_cases])))
    )
    workers = await db.scalars(
        select(StaffMember).where(
            StaffMember.id.in_({c.worker_id for c in open_cases if c.worker_id})
        )
    )
    lookups.held = [*clients, *workers]
    lookups.facts = await facts_for_clients(db, clients)
    lookups.agreed = await agreed_for(db, [case.id for case in open_cases])
    await lookups.learn(db, open_cases)  # replies, contacts and outcomes: three queries
    for case in open_cases:
        pending = [r for r, _ in steps.get(case.id, []) if r.status == "pending"]
        for step in await preview_case(db, case, lookups, pending):
            previews[(case.id, step.step)] = step
    return steps, previews
