"""POST /v2/notifications/{sms,email,letter}, GET /v2/notifications[/{id}] (Notify's v2)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Header, HTTPException, Query
from sqlalchemy import and_, or_, select

from channels.letter_pdf import ENVELOPES
from messenger.api import presenters, schemas
from messenger.api.deps import AppClock, AppSettings, Key, Limits, Queue, Session
from messenger.api.errors import bad_request
from messenger.api.request_limits import RequestLimits
from messenger.casework.send_times import when_to_send
from messenger.messages import statuses
from messenger.messages.precompiled import PrecompiledLetter, accept_letter_file
from messenger.messages.scheduling import cancel_scheduled
from messenger.messages.sending import Origin, RequestRejected, SendRequest, accept
from messenger.platform.clock import Clock
from messenger.platform.models import ApiKey, Message, MessageEvent
from messenger.platform.tenancy import own
from messenger.wording.sanitise import sanitise_values

router = APIRouter(prefix="/v2/notifications", tags=["notifications"])
PAGE_SIZE = 250
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Optional. The same key returns the same message instead of a second one.",
    ),
]


@router.post("/sms", status_code=201, response_model=schemas.SmsSentResponse)
async def send_sms(
    body: schemas.SmsRequest,
    key: Key,
    db: Session,
    queue: Queue,
    settings: AppSettings,
    clock: AppClock,
    limits: Limits,
    idempotency_key: IdempotencyKey = None,
) -> schemas.SentResponse:
    when = await scheduled_when(db, key.organisation_id, body.scheduled_for, clock)
    request = _request("sms", body, body.phone_number, idempotency_key, when)
    async with _counted(limits, key, "sms", clock):
        message = await accept(db, queue, Origin.of_key(key), request)
    return presenters.sent(message, settings)


@router.post("/email", status_code=201, response_model=schemas.EmailSentResponse)
async def send_email(
    body: schemas.EmailRequest,
    key: Key,
    db: Session,
    queue: Queue,
    settings: AppSettings,
    clock: AppClock,
    limits: Limits,
    idempotency_key: IdempotencyKey = None,
) -> schemas.SentResponse:
    values, sanitised = sanitise_values(body.personalisation, body.sanitise_content_for or ())
    when = await scheduled_when(db, key.organisation_id, body.scheduled_for, clock)
    request = _request("email", body.model_copy(update={"personalisation": values}),
                       body.email_address, idempotency_key, when)  # fmt: skip
    async with _counted(limits, key, "email", clock):
        message = await accept(db, queue, Origin.of_key(key), request)
    sent = presenters.sent(message, settings)
    assert isinstance(sent, schemas.EmailSentResponse)
    return sent.model_copy(update={"sanitised_content": sanitised})


@router.post(
    "/letter",
    status_code=201,
    response_model=schemas.LetterSentResponse | schemas.PrecompiledLetterResponse,
)
async def send_letter(
    body: schemas.LetterRequest | schemas.PrecompiledLetterRequest,
    key: Key,
    db: Session,
    queue: Queue,
    settings: AppSettings,
    clock: AppClock,
    limits: Limits,
    idempotency_key: IdempotencyKey = None,
) -> schemas.SentResponse | schemas.PrecompiledLetterResponse:
    """A letter from a template (`template_id`, `personalisation` with the address), or one
    made elsewhere (`reference` and `content`: the PDF in base64), printed as it is."""
    if isinstance(body, schemas.PrecompiledLetterRequest):
        try:
            pdf = base64.b64decode(body.content, validate=True)
        except binascii.Error:
            raise RequestRejected(
                "Cannot decode letter content: it is not base64", error="ValidationError"
            ) from None
        letter = PrecompiledLetter(body.reference, pdf, idempotency_key, body.postage)
        window = ENVELOPES[settings.envelope]
        async with _counted(limits, key, "letter", clock):
            message = await accept_letter_file(db, queue, Origin.of_key(key), letter, window)
        return schemas.PrecompiledLetterResponse(
            id=message.id, reference=body.reference, postage=message.postage or "second"
        )
    when = await scheduled_when(db, key.organisation_id, body.scheduled_for, clock)
    request = _request("letter", body, "", idempotency_key, when)
    async with _counted(limits, key, "letter", clock):
        message = await accept(db, queue, Origin.of_key(key), request)
    return presenters.sent(message, settings)


@asynccontextmanager
async def _counted(
    limits: RequestLimits | None, key: ApiKey, kind: str, clock: Clock
) -> AsyncIterator[None]:
    """The organisation's daily limit for the channel: checked before, counted once the
    message is accepted (a refused request does not count)."""
    if limits is not None:
        await limits.before_send(key, kind, clock.now())
    yield
    if limits is not None:
        await limits.sent(key, kind, clock.now())


async def scheduled_when(
    db: Session, organisation_id: str, scheduled_for: str | None, clock: Clock
) -> datetime | None:
    """`scheduled_for` as the moment to send (send_times.py); a 400 when it cannot be."""
    if not scheduled_for:
        return None
    with bad_request():
        return await when_to_send(db, organisation_id, scheduled_for, clock.now())


def _request(
    kind: str,
    body: schemas._Request,
    recipient: str,
    idempotency_key: str | None,
    scheduled_for: datetime | None = None,
) -> SendRequest:
    return SendRequest(
        kind=kind,
        template_id=body.template_id,
        recipient=recipient,
        personalisation=body.personalisation,
        reference=body.reference,
        language=body.language,
        idempotency_key=idempotency_key,
        # Notify's names for one of the organisation's senders (messages/senders.py).
        sender_id=getattr(body, "sms_sender_id", None) or getattr(body, "email_reply_to_id", None),
        unsubscribe_url=getattr(body, "one_click_unsubscribe_url", None),
        scheduled_for=scheduled_for,
        postage=getattr(body, "postage", None),
    )


@router.post("/{notification_id}/cancel", response_model=schemas.NotificationResponse)
async def cancel(
    notification_id: str, key: Key, db: Session, settings: AppSettings, clock: AppClock
) -> schemas.NotificationResponse:
    """A scheduled message that has not gone out yet does not go out."""
    message = await cancel_scheduled(db, key.organisation_id, notification_id, clock.now())
    await db.commit()
    return presenters.notification(message, settings)


@router.get("/{notification_id}", response_model=schemas.NotificationResponse)
async def get_notification(
    notification_id: str, key: Key, db: Session, settings: AppSettings
) -> schemas.NotificationResponse:
    message = await _own_message(db, key.organisation_id, notification_id)
    events = list(
        await db.scalars(
            select(MessageEvent)
            .where(MessageEvent.message_id == message.id)
            .order_by(MessageEvent.occurred_at, MessageEvent.id)
        )
    )
    return presenters.notification(message, settings, events)


@router.get("", response_model=schemas.NotificationList)
async def list_notifications(
    key: Key,
    db: Session,
    settings: AppSettings,
    template_type: Annotated[str | None, Query(pattern="^(sms|email|letter)$")] = None,
    status: Annotated[list[str] | None, Query()] = None,
    reference: str | None = None,
    older_than: str | None = None,
    include_jobs: bool | None = None,
) -> schemas.NotificationList:
    query = select(Message).where(Message.organisation_id == key.organisation_id)
    if template_type:
        query = query.where(Message.kind == template_type)
    if status:
        wanted, letters = statuses.expand_filter(status)
        unknown = wanted - set(statuses.ALL)
        if unknown:
            raise HTTPException(400, f"status {sorted(unknown)[0]} is not one of {statuses.ALL}")
        query = query.where(
            or_(
                Message.status.in_(wanted),
                and_(Message.kind == "letter", Message.status.in_(letters)),
            )
        )
    if reference:
        query = query.where(Message.reference == reference)
    anchor = None
    if older_than:
        anchor = await db.scalar(
            select(Message).where(
                Message.id == older_than, Message.organisation_id == key.organisation_id
            )
        )
        if anchor is not None:
            query = query.where(
                or_(
                    Message.created_at < anchor.created_at,
                    and_(Message.created_at == anchor.created_at, Message.id < anchor.id),
                )
            )
    query = query.order_by(Message.created_at.desc(), Message.id.desc()).limit(PAGE_SIZE)
    # An older_than that names no message of this organisation: an empty page, as in Notify.
    messages = [] if older_than and anchor is None else list(await db.scalars(query))
    # As Notify: `next` whenever the page is not empty, with the same filters; the client
    # stops at the first empty page.
    filters: dict[str, str | list[str]] = {
        name: value
        for name, value in (
            ("template_type", template_type),
            ("status", status),
            ("reference", reference),
        )
        if value
    }
    path = f"{presenters.base_url(settings)}/v2/notifications"
    current = {**filters, "older_than": older_than} if older_than else filters
    links = schemas.Links(current=_with_query(path, current))
    if messages:
        links.next = _with_query(path, {**filters, "older_than": messages[-1].id})
    return schemas.NotificationList(
        notifications=[presenters.notification(m, settings) for m in messages], links=links
    )


def _with_query(path: str, params: dict[str, str | list[str]]) -> str:
    return f"{path}?{urlencode(params, doseq=True)}" if params else path


async def _own_message(db: Session, organisation_id: str, message_id: str) -> Message:
    """Another organisation's message does not exist, as far as the caller can tell."""
    return await own(db, Message, organisation_id, message_id)
