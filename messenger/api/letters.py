"""Letters after sending: a letter's PDF, returned letters and print batches.

GET /v2/notifications/{id}/pdf is Notify's; the rest are Messenger's own.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from channels.letter_pdf import ENVELOPES, render_letters
from messenger.api import presenters, schemas
from messenger.api.deps import AppSettings, Key, Session
from messenger.messages import print_batches
from messenger.messages.outbound import made_elsewhere, outgoing
from messenger.platform.models import Organisation, PrintBatch

router = APIRouter(prefix="/v2", tags=["letters"])


class PrintBatchResponse(BaseModel):
    id: str
    status: str
    letter_count: int
    page_count: int
    created_at: str
    posted_at: str | None
    pdf: str
    manifest: str


class PrintBatchList(BaseModel):
    print_batches: list[PrintBatchResponse]


class Returned(BaseModel):
    reason: str = Field(default="", max_length=200, description="e.g. 'verhuisd', 'onbekend'")


class Posted(BaseModel):
    letters_sent: int
    print_batch: PrintBatchResponse


@router.get("/notifications/{notification_id}/pdf", response_class=Response)
async def letter_pdf(
    notification_id: str, key: Key, db: Session, settings: AppSettings
) -> Response:
    message = await print_batches.own_letter(db, key.organisation_id, notification_id)
    given = (await db.run_sync(made_elsewhere, [message.id])).get(message.id)
    if given is not None:  # a letter made elsewhere: the PDF as it was sent
        return Response(given, media_type="application/pdf")
    organisation = await db.get(Organisation, message.organisation_id)
    letter = outgoing(message, settings, organisation)
    pdf = await asyncio.to_thread(render_letters, [letter], window=ENVELOPES[settings.envelope])
    return Response(pdf, media_type="application/pdf")


@router.post(
    "/notifications/{notification_id}/returned-letter",
    response_model=schemas.NotificationResponse,
)
async def returned_letter(
    notification_id: str,
    key: Key,
    db: Session,
    settings: AppSettings,
    body: Annotated[Returned | None, Body()] = None,
) -> schemas.NotificationResponse:
    await print_batches.mark_returned(
        db, key.organisation_id, notification_id, (body or Returned()).reason
    )
    message = await print_batches.own_letter(db, key.organisation_id, notification_id)
    await db.refresh(message)
    return presenters.notification(message, settings)


@router.get("/print-batches", response_model=PrintBatchList)
async def list_batches(key: Key, db: Session, settings: AppSettings) -> PrintBatchList:
    batches = await db.scalars(
        select(PrintBatch)
        .where(PrintBatch.organisation_id == key.organisation_id)
        .order_by(PrintBatch.created_at.desc())
        .limit(100)
    )
    return PrintBatchList(print_batches=[_batch(b, settings) for b in batches])


@router.get("/print-batches/{batch_id}", response_model=PrintBatchResponse)
async def get_batch(
    batch_id: str, key: Key, db: Session, settings: AppSettings
) -> PrintBatchResponse:
    return _batch(await _own_batch(db, key.organisation_id, batch_id), settings)


@router.get("/print-batches/{batch_id}/pdf", response_class=FileResponse)
async def batch_pdf(batch_id: str, key: Key, db: Session, settings: AppSettings) -> FileResponse:
    batch = await _own_batch(db, key.organisation_id, batch_id)
    path = print_batches.files_of(settings, batch.id).pdf
    return FileResponse(path, media_type="application/pdf", filename=f"printbatch-{batch.id}.pdf")


@router.get("/print-batches/{batch_id}/manifest", response_class=FileResponse)
async def batch_manifest(
    batch_id: str, key: Key, db: Session, settings: AppSettings
) -> FileResponse:
    batch = await _own_batch(db, key.organisation_id, batch_id)
    path = print_batches.files_of(settings, batch.id).manifest
    return FileResponse(path, media_type="text/csv", filename=f"printbatch-{batch.id}.csv")


@router.post("/print-batches/{batch_id}/posted", response_model=Posted)
async def batch_posted(batch_id: str, key: Key, db: Session, settings: AppSettings) -> Posted:
    try:
        moved = await print_batches.mark_posted(db, key.organisation_id, batch_id)
    except print_batches.BatchError as exc:
        raise HTTPException(409, str(exc)) from exc
    batch = await _own_batch(db, key.organisation_id, batch_id)
    await db.refresh(batch)
    return Posted(letters_sent=moved, print_batch=_batch(batch, settings))


async def _own_batch(db: Session, organisation_id: str, batch_id: str) -> PrintBatch:
    batch = await print_batches.find(db, organisation_id, batch_id)
    if batch is None or batch.status == print_batches.RENDERING:
        raise HTTPException(404, "No result found")
    return batch


def _batch(batch: PrintBatch, settings: AppSettings) -> PrintBatchResponse:
    uri = f"{presenters.base_url(settings)}/v2/print-batches/{batch.id}"
    return PrintBatchResponse(
        id=batch.id,
        status=batch.status,
        letter_count=batch.letter_count,
        page_count=batch.page_count,
        created_at=presenters.iso(batch.created_at) or "",
        posted_at=presenters.iso(batch.posted_at),
        pdf=f"{uri}/pdf",
        manifest=f"{uri}/manifest",
    )
