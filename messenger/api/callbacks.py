"""The organisation's callbacks (messages/callbacks.py): where delivery receipts, received
text messages, returned letters and complaints (emails marked as spam) are POSTed, in
Notify's shapes. Notify sets these on its admin pages; here admins keys set them through the
API. The bearer token is never returned."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.api.deps import AdminKey, AppClock, Session
from messenger.api.errors import bad_request
from messenger.messages import callback_settings, callbacks
from messenger.platform.encryption import SecretBox
from messenger.platform.models import Callback

router = APIRouter(prefix="/v2/organisation", tags=["callbacks"])
# callbacks.KINDS, spelled out for the OpenAPI schema.
CallbackType = Literal["delivery-status", "inbound-sms", "returned-letter", "complaint"]


def secret_box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box


Box = Annotated[SecretBox, Depends(secret_box)]


class CallbackIn(BaseModel):
    callback_type: CallbackType
    url: str = Field(max_length=2000, description="https; http only on localhost")
    bearer_token: str = Field(
        max_length=2000, description="At least 10 characters; sent as Authorization: Bearer"
    )


class CallbackChange(BaseModel):
    url: str | None = Field(default=None, max_length=2000)
    bearer_token: str | None = Field(default=None, max_length=2000)


@router.get("/callbacks")
async def list_callbacks(key: AdminKey, db: Session, clock: AppClock) -> dict[str, Any]:
    found = await callback_settings.list_callbacks(db, key.organisation_id)
    return {"callbacks": [await _view(db, c, clock.now()) for c in found]}


@router.post("/callbacks", status_code=201)
async def create_callback(
    body: CallbackIn, key: AdminKey, db: Session, box: Box, clock: AppClock
) -> dict[str, Any]:
    try:
        with bad_request():
            callback = await callback_settings.create_callback(
                db,
                box,
                key.organisation_id,
                body.callback_type,
                body.url,
                body.bearer_token,
                by=f"API key {key.name}",
            )
    except callback_settings.CallbackExists as exc:
        raise HTTPException(409, str(exc)) from exc
    await db.commit()
    return await _view(db, callback, clock.now())


@router.get("/callbacks/{callback_type}")
async def get_callback(
    callback_type: CallbackType, key: AdminKey, db: Session, clock: AppClock
) -> dict[str, Any]:
    callback = await callback_settings.own_callback(db, key.organisation_id, callback_type)
    return await _view(db, callback, clock.now())


@router.patch("/callbacks/{callback_type}")
async def change_callback(
    callback_type: CallbackType,
    body: CallbackChange,
    key: AdminKey,
    db: Session,
    box: Box,
    clock: AppClock,
) -> dict[str, Any]:
    callback = await callback_settings.own_callback(db, key.organisation_id, callback_type)
    with bad_request():
        await callback_settings.change_callback(
            db,
            box,
            callback,
            url=body.url,
            token=body.bearer_token,
            by=f"API key {key.name}",
        )
    await db.commit()
    return await _view(db, callback, clock.now())


@router.delete("/callbacks/{callback_type}", status_code=204)
async def remove_callback(callback_type: CallbackType, key: AdminKey, db: Session) -> Response:
    await callback_settings.remove_callback(db, key.organisation_id, callback_type)
    await db.commit()
    return Response(status_code=204)


async def _view(db: AsyncSession, callback: Callback, now: datetime) -> dict[str, Any]:
    found = await callbacks.health(db, callback, now)
    return {
        "callback_type": callback.kind,
        "url": callback.url,
        "created_at": callback.created_at,
        "updated_at": callback.updated_at,
        "updated_by": callback.updated_by,
        "status": {
            "state": found.state,
            "last_success_at": found.last_success_at,
            "last_failure_at": found.last_failure_at,
            "last_failure": found.last_failure,
            "waiting": found.waiting,
            "given_up": found.given_up,
        },
    }
