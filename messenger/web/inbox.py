"""Inbox: replies nobody has handled yet and open tasks. Take a task, close it, or mark a
reply as handled; every action names the person who did it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from messenger.casework import inbox
from messenger.platform.models import Client, Task
from messenger.platform.tenancy import own
from messenger.web.auth import Session, Staff
from messenger.web.pages import render

router = APIRouter(include_in_schema=False)
SHOWN = 200


@router.get("/inbox", response_class=HTMLResponse)
async def inbox_page(request: Request, person: Staff, db: Session) -> HTMLResponse:
    organisation_id = person.account.organisation_id
    replies, tasks = await inbox.open_items(db, organisation_id)
    client_ids = {r.client_id for r in replies if r.client_id} | {
        t.client_id for t in tasks if t.client_id
    }
    names = {
        c.id: f"{c.first_name} {c.last_name}"
        for c in await db.scalars(select(Client).where(Client.id.in_(client_ids)))
    }
    mine = [t for t in tasks if t.assigned_to == person.account.name]
    others = [t for t in tasks if t.assigned_to != person.account.name]
    return render(
        request,
        "inbox.html",
        {
            "replies": replies[:SHOWN],
            "tasks": (mine + others)[:SHOWN],
            "names": names,
            "done": request.query_params.get("klaar"),
        },
    )


@router.post("/inbox/antwoorden/{received_id}/afgehandeld")
async def reply_handled(received_id: str, person: Staff, db: Session) -> Response:
    await inbox.mark_handled(
        db, person.account.organisation_id, received_id, by=person.account.name
    )
    await db.commit()
    return RedirectResponse("/inbox?klaar=antwoord", status_code=303)


@router.post("/inbox/taken/{task_id}/sluiten")
async def close_task(request: Request, task_id: str, person: Staff, db: Session) -> Response:
    await inbox.close_task(
        db,
        person.account.organisation_id,
        task_id,
        by=person.account.name,
        at=request.app.state.clock.now(),
    )
    await db.commit()
    return RedirectResponse("/inbox?klaar=taak", status_code=303)


@router.post("/inbox/taken/{task_id}/nemen")
async def take_task(task_id: str, person: Staff, db: Session) -> Response:
    task = await own(db, Task, person.account.organisation_id, task_id)
    if task.closed_at is None:
        task.assigned_to = person.account.name
    await db.commit()
    return RedirectResponse("/inbox?klaar=genomen", status_code=303)
