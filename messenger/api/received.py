"""GET /v2/received-text-messages: SMS replies from clients, exactly in Notify's shape (its
schema allows no other field). What Messenger knows besides, `intent` (what a keyword reply
asks for) and `in_reply_to` (the message it answers), is in GET /v2/inbox.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import and_, false, or_, select

from messenger.api import presenters, schemas
from messenger.api.deps import AppSettings, Key, Session
from messenger.platform.models import ReceivedMessage

router = APIRouter(prefix="/v2", tags=["received text messages"])
PAGE_SIZE = 250


class ReceivedText(BaseModel):
    id: str
    user_number: str
    notify_number: str
    created_at: str
    service_id: str
    content: str


class ReceivedTextList(BaseModel):
    received_text_messages: list[ReceivedText]
    links: schemas.Links


@router.get("/received-text-messages", response_model=ReceivedTextList)
async def received_text_messages(
    key: Key, db: Session, settings: AppSettings, older_than: str | None = None
) -> ReceivedTextList:
    query = select(ReceivedMessage).where(
        ReceivedMessage.organisation_id == key.organisation_id, ReceivedMessage.kind == "sms"
    )
    anchor = None
    if older_than:
        anchor = await db.scalar(
            select(ReceivedMessage).where(
                ReceivedMessage.id == older_than,
                ReceivedMessage.organisation_id == key.organisation_id,
            )
        )
        if anchor is None:  # as in Notify: an empty page, not a 404
            query = query.where(false())
    if anchor is not None:
        query = query.where(
            or_(
                ReceivedMessage.created_at < anchor.created_at,
                and_(
                    ReceivedMessage.created_at == anchor.created_at,
                    ReceivedMessage.id < anchor.id,
                ),
            )
        )
    rows = list(
        await db.scalars(
            query.order_by(ReceivedMessage.created_at.desc(), ReceivedMessage.id.desc()).limit(
                PAGE_SIZE
            )
        )
    )
    path = f"{presenters.base_url(settings)}/v2/received-text-messages"
    links = schemas.Links(current=f"{path}?older_than={older_than}" if older_than else path)
    if rows:
        links.next = f"{path}?older_than={rows[-1].id}"
    return ReceivedTextList(
        received_text_messages=[
            ReceivedText(
                id=row.id,
                user_number=row.sender,
                notify_number=row.recipient,
                created_at=presenters.iso(row.created_at) or "",
                service_id=row.organisation_id,
                content=row.content,
            )
            for row in rows
        ],
        links=links,
    )
