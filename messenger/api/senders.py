"""An organisation's SMS senders and email reply-to addresses: the ids that Notify's
`sms_sender_id` and `email_reply_to_id` name. Everyone in the organisation reads them (a
case-management system needs the ids); admins change them. Rules: messages/senders.py."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from messenger.api.deps import AdminKey, Key, Session
from messenger.api.errors import bad_request
from messenger.messages import senders
from messenger.platform.models import Sender

router = APIRouter(prefix="/v2/organisation/senders", tags=["organisation and staff"])


class SenderIn(BaseModel):
    kind: Literal["sms", "email"]
    value: str = Field(
        min_length=1,
        max_length=320,
        description="sms: a mobile number or a name of 3 to 11 letters; email: an address",
    )
    is_default: bool = False


class SenderChange(BaseModel):
    is_default: Literal[True]


@router.get("")
async def list_senders(
    key: Key, db: Session, kind: Literal["sms", "email"] | None = None
) -> dict[str, Any]:
    found = await senders.list_senders(db, key.organisation_id, kind)
    return {"senders": [_sender(s) for s in found]}


@router.post("", status_code=201)
async def add_sender(body: SenderIn, key: AdminKey, db: Session) -> dict[str, Any]:
    with bad_request():
        sender = await senders.add_sender(
            db, key.organisation_id, body.kind, body.value, default=body.is_default
        )
    await db.commit()
    return _sender(sender)


@router.patch("/{sender_id}")
async def make_default(
    sender_id: str, body: SenderChange, key: AdminKey, db: Session
) -> dict[str, Any]:
    sender = await senders.own_sender(db, key.organisation_id, sender_id)
    await senders.make_default(db, sender)
    await db.commit()
    return _sender(sender)


@router.delete("/{sender_id}", status_code=204)
async def remove_sender(sender_id: str, key: AdminKey, db: Session) -> Response:
    sender = await senders.own_sender(db, key.organisation_id, sender_id)
    await senders.remove_sender(db, sender)
    await db.commit()
    return Response(status_code=204)


def _sender(sender: Sender) -> dict[str, Any]:
    return {
        "id": sender.id,
        "kind": sender.kind,
        "value": sender.value,
        "is_default": sender.is_default,
        "created_at": sender.created_at.isoformat(),
    }
