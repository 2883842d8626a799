"""Callbacks, as GOV.UK Notify has them: an organisation's own HTTPS address hears of delivery
receipts, text messages clients sent, letters that came back, and emails a client marked as
spam (complaints).

This module holds what is queued: an event writes its delivery into the outbox
(`callback_deliveries`) in the same transaction as the event itself, so nothing is lost and
nothing is sent for an event that was rolled back; and how it goes, for the page and the API.
What is set (one address and bearer token per kind and organisation, the token encrypted at
rest and never shown again) is in callback_settings.py. The worker sends the outbox
(callback_sending.py); the bodies are Notify's (callback_payloads.py).

Complaints are recorded when a mailbox provider's feedback report comes back
(messenger/inbound/complaints.py) and called back as Notify does; Notify stops nothing when an
email is marked as spam, and neither does Messenger (a social worker gets a task).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Insert, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import callback_payloads, statuses
from messenger.platform.db import SyncDb
from messenger.platform.models import (
    Callback,
    CallbackDelivery,
    CallbackFailure,
    Complaint,
    Message,
    ReceivedMessage,
    TemplateVersion,
    utcnow,
)

DELIVERY_STATUS = "delivery-status"
INBOUND_SMS = "inbound-sms"
RETURNED_LETTER = "returned-letter"
COMPLAINT = "complaint"
KINDS = (DELIVERY_STATUS, INBOUND_SMS, RETURNED_LETTER, COMPLAINT)
# A delivery receipt goes out when a message reaches one of these (Notify's receipts, plus
# `sent`: an SMS the network took, a letter that was posted).
REPORTED = frozenset({statuses.SENT, statuses.DELIVERED, *statuses.FAILURES})
# The outbox's states; `failed`: given up, `dropped`: the callback was removed first.
PENDING = "pending"
SENDING = "sending"
DELIVERED = "delivered"
FAILED = "failed"
DROPPED = "dropped"
UNFINISHED = (PENDING, SENDING)
# Given-up deliveries stay visible on the settings page this long.
GIVEN_UP_SHOWN_DAYS = 30


# -- what is set (callback_settings.py changes it) ----------------------------------------


async def find_callback(session: AsyncSession, organisation_id: str, kind: str) -> Callback | None:
    return await session.scalar(
        select(Callback).where(Callback.organisation_id == organisation_id, Callback.kind == kind)
    )


# -- how it goes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """Whether a callback works, for the page and the API: `state` is works, failing or
    unused; `waiting` deliveries are still to go, `given_up` ones will not (recently)."""

    state: str
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_failure: str | None
    waiting: int
    given_up: int


async def health(session: AsyncSession, callback: Callback, now: datetime) -> Health:
    found = await session.execute(
        select(CallbackDelivery.status, func.count())
        .where(
            CallbackDelivery.organisation_id == callback.organisation_id,
            CallbackDelivery.kind == callback.kind,
            CallbackDelivery.status.in_((*UNFINISHED, FAILED)),
            CallbackDelivery.created_at >= now - timedelta(days=GIVEN_UP_SHOWN_DAYS),
        )
        .group_by(CallbackDelivery.status)
    )
    counts: dict[str, int] = {status: count for status, count in found.all()}
    success, failure = callback.last_success_at, callback.last_failure_at
    if failure is not None and (success is None or failure > success):
        state = "failing"
    else:
        state = "works" if success is not None else "unused"
    return Health(
        state=state,
        last_success_at=success,
        last_failure_at=failure,
        last_failure=callback.last_failure,
        waiting=counts.get(PENDING, 0) + counts.get(SENDING, 0),
        given_up=counts.get(FAILED, 0),
    )


async def recent_failures(
    session: AsyncSession, organisation_id: str, limit: int = 10
) -> list[CallbackFailure]:
    return list(
        await session.scalars(
            select(CallbackFailure)
            .where(CallbackFailure.organisation_id == organisation_id)
            .order_by(CallbackFailure.attempted_at.desc(), CallbackFailure.id.desc())
            .limit(limit)
        )
    )


# -- what is queued (called inside the event's own transaction) ------------------------------


# The message, when its organisation has a callback of the kind: built once (the worker asks
# this at every change of state). Columns, not the entity: the caller's session may hold the
# message as it was before.
_SUBSCRIBED = (
    select(
        Message.organisation_id,
        Message.kind,
        Message.reference,
        Message.recipient,
        Message.address_lines,
        Message.created_at,
        Message.sent_at,
        Message.template_id,
        Message.template_version,
        Message.language,
        Message.created_by_name,
    )
    .join(
        Callback,
        (Callback.organisation_id == Message.organisation_id)
        & (Callback.kind == bindparam("kind")),
    )
    .where(Message.id == bindparam("message_id"))
)


def message_moved(session: SyncDb, /, message_id: str, status: str, at: datetime) -> None:
    """A message reached `status`: queue its delivery receipt (or, for a letter that came
    back, its returned-letter callback) when the organisation has that callback."""
    kind = RETURNED_LETTER if status == statuses.RETURNED_LETTER else DELIVERY_STATUS
    if kind == DELIVERY_STATUS and status not in REPORTED:
        return
    found = session.execute(_SUBSCRIBED, {"message_id": message_id, "kind": kind})
    row = found.first()
    if row is None:
        return
    if kind == DELIVERY_STATUS:
        to = row.recipient or (row.address_lines[0] if row.address_lines else "")
        payload = callback_payloads.delivery_status(
            message_id=message_id,
            reference=row.reference,
            to=to,
            status=status,
            created_at=row.created_at,
            completed_at=at,
            sent_at=row.sent_at,
            notification_type=row.kind,
            template_id=row.template_id,
            template_version=row.template_version,
        )
    else:
        title = session.scalar(
            select(TemplateVersion.title).where(
                TemplateVersion.template_id == row.template_id,
                TemplateVersion.language == row.language,
                TemplateVersion.version == row.template_version,
            )
        )
        payload = callback_payloads.returned_letter(
            message_id=message_id,
            reference=row.reference,
            date_sent=row.sent_at or row.created_at,
            sent_by=row.created_by_name,
            template_name=title,
            template_id=row.template_id,
            template_version=row.template_version,
        )
    session.execute(_queued(row.organisation_id, kind, message_id, payload, at))


async def sms_received(session: AsyncSession, received: ReceivedMessage) -> None:
    """A client's text message was stored (and flushed): queue its inbound-sms callback."""
    if await find_callback(session, received.organisation_id, INBOUND_SMS) is None:
        return
    at = received.created_at or utcnow()
    payload = callback_payloads.inbound_sms(
        received_id=received.id,
        source_number=received.sender,
        destination_number=received.recipient,
        message=received.content,
        at=at,
    )
    await session.execute(_queued(received.organisation_id, INBOUND_SMS, received.id, payload, at))


async def email_complained(session: AsyncSession, complaint: Complaint) -> None:
    """A complaint was stored (and flushed): queue its complaint callback. Its subject is the
    message, so it goes after that email's own delivery receipts."""
    if await find_callback(session, complaint.organisation_id, COMPLAINT) is None:
        return
    row = (
        await session.execute(
            select(Message.reference, Message.recipient).where(Message.id == complaint.message_id)
        )
    ).first()
    if row is None:
        return
    payload = callback_payloads.complaint(
        complaint_id=complaint.id,
        message_id=complaint.message_id,
        reference=row.reference,
        to=row.recipient,
        complaint_date=complaint.complaint_date,
    )
    at = complaint.created_at or utcnow()
    await session.execute(
        _queued(complaint.organisation_id, COMPLAINT, complaint.message_id, payload, at)
    )


def _queued(
    organisation_id: str, kind: str, subject_id: str, payload: dict[str, object], at: datetime
) -> Insert:
    # A Core insert: it runs on the worker's plain connection as well as in a session.
    return insert(CallbackDelivery).values(
        organisation_id=organisation_id,
        kind=kind,
        subject_id=subject_id,
        payload=payload,
        status=PENDING,
        created_at=at,
    )
