"""Drukkerij (the print room): the letters waiting for print, the batches with their PDF and
manifest, marking a batch as posted, and recording a letter that came back."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from messenger.messages import print_batches
from messenger.platform.models import Message, PrintBatch
from messenger.web.auth import Session, Staff
from messenger.web.pages import render

router = APIRouter(include_in_schema=False)
SHOWN = 50
REASONS = {
    "verhuisd": "Verhuisd",
    "onbekend": "Onbekend op dit adres",
    "geweigerd": "Geweigerd",
    "onvolledig": "Adres onvolledig",
}


@router.get("/drukkerij", response_class=HTMLResponse)
async def print_room(request: Request, person: Staff, db: Session) -> HTMLResponse:
    organisation_id = person.account.organisation_id
    batches = await db.scalars(
        select(PrintBatch)
        .where(
            PrintBatch.organisation_id == organisation_id,
            PrintBatch.status != print_batches.RENDERING,
        )
        .order_by(PrintBatch.created_at.desc())
        .limit(SHOWN)
    )
    return render(
        request,
        "print_room.html",
        {
            "waiting": await print_batches.waiting_count(db, organisation_id),
            "batches": list(batches),
            "done": request.query_params.get("klaar"),
        },
    )


@router.post("/drukkerij/maken")
async def make_batch(request: Request, person: Staff) -> Response:
    """Every letter waiting now, not only those before the day's cut-off."""
    made = await print_batches.collate(
        request.app.state.sessions,
        request.app.state.settings,
        until=request.app.state.clock.now(),
        organisation_id=person.account.organisation_id,
    )
    return RedirectResponse(f"/drukkerij?klaar={'gemaakt' if made else 'niets'}", 303)


@router.get("/drukkerij/{batch_id}", response_class=HTMLResponse)
async def batch_page(request: Request, batch_id: str, person: Staff, db: Session) -> Response:
    batch = await _own_batch(db, person.account.organisation_id, batch_id)
    letters = await db.scalars(
        select(Message)
        .where(Message.print_batch_id == batch.id)
        .order_by(Message.created_at, Message.id)
    )
    return render(
        request,
        "print_batch.html",
        {"batch": batch, "letters": list(letters), "done": request.query_params.get("klaar")},
    )


@router.get("/drukkerij/{batch_id}/pdf")
async def batch_pdf(request: Request, batch_id: str, person: Staff, db: Session) -> Response:
    batch = await _own_batch(db, person.account.organisation_id, batch_id)
    path = print_batches.files_of(request.app.state.settings, batch.id).pdf
    return FileResponse(path, media_type="application/pdf", filename=f"drukbatch-{batch.id}.pdf")


@router.get("/drukkerij/{batch_id}/manifest")
async def batch_manifest(request: Request, batch_id: str, person: Staff, db: Session) -> Response:
    batch = await _own_batch(db, person.account.organisation_id, batch_id)
    path = print_batches.files_of(request.app.state.settings, batch.id).manifest
    return FileResponse(path, media_type="text/csv", filename=f"drukbatch-{batch.id}.csv")


@router.post("/drukkerij/{batch_id}/gepost")
async def batch_posted(request: Request, batch_id: str, person: Staff, db: Session) -> Response:
    await _own_batch(db, person.account.organisation_id, batch_id)
    # Posted already (a second click): the page shows the batch as it is.
    with contextlib.suppress(print_batches.BatchError):
        await print_batches.mark_posted(db, person.account.organisation_id, batch_id)
    return RedirectResponse(f"/drukkerij/{batch_id}?klaar=gepost", status_code=303)


@router.get("/drukkerij/brieven/{message_id}/teruggekomen", response_class=HTMLResponse)
async def returned_form(request: Request, message_id: str, person: Staff, db: Session) -> Response:
    letter = await print_batches.own_letter(db, person.account.organisation_id, message_id)
    return render(request, "returned_letter.html", {"letter": letter, "reasons": REASONS})


@router.post("/drukkerij/brieven/{message_id}/teruggekomen", response_class=HTMLResponse)
async def returned(
    request: Request,
    message_id: str,
    person: Staff,
    db: Session,
    reason: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    letter = await print_batches.own_letter(db, person.account.organisation_id, message_id)
    if reason not in REASONS:
        errors = {"reason": "Kies waarom de brief terugkwam."}
        context = {"letter": letter, "reasons": REASONS, "errors": errors}
        return render(request, "returned_letter.html", context, 400)
    batch_id = letter.print_batch_id  # read before mark_returned commits
    await print_batches.mark_returned(db, person.account.organisation_id, letter.id, reason)
    target = f"/drukkerij/{batch_id}" if batch_id else "/drukkerij"
    return RedirectResponse(f"{target}?klaar=teruggekomen", status_code=303)


async def _own_batch(db: Session, organisation_id: str, batch_id: str) -> PrintBatch:
    batch = await print_batches.find(db, organisation_id, batch_id)
    if batch is None or batch.status == print_batches.RENDERING:
        raise LookupError("No result found")
    return batch
