"""A text message from a client: stored, matched, and acted on when it is a keyword.

Matching: the organisation by the number it was sent to (its SMS senders), else
by the latest SMS we sent to the client's number; the message it answers is that latest
SMS. STOP and START change the opt-out state and get a short confirmation (replies.py has
the keywords); everything else waits for the social worker in the received messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.inbound import replies, reply_actions
from messenger.messages import callbacks, opt_outs, senders
from messenger.messages.queue import DeliveryQueue
from messenger.messages.recipients import InvalidRecipient, normalise_phone_number
from messenger.messages.sending import Origin, SendRequest, accept
from messenger.platform.models import Message, ReceivedMessage, utcnow
from messenger.wording.template_files import template_id

log = logging.getLogger(__name__)
CONFIRMATIONS = {
    replies.STOP: template_id("sms-stop-bevestiging"),
    replies.START: template_id("sms-start-bevestiging"),
}


@dataclass(frozen=True)
class InboundSms:
    provider_reference: str
    sender: str
    recipient: str
    body: str
    # When it arrived; None: now. A simulated clock (the demo) gives its own time, so what
    # the reply starts (a JA's confirmation) is timed from the reply, not the wall clock.
    received_at: datetime | None = None


async def receive(
    session: AsyncSession, queue: DeliveryQueue | None, sms: InboundSms
) -> ReceivedMessage | None:
    """Store and act on one inbound SMS; None when it belongs to no organisation we know."""
    existing = await session.scalar(
        select(ReceivedMessage).where(ReceivedMessage.provider_reference == sms.provider_reference)
    )
    if existing is not None:  # the provider retried its webhook
        return existing
    sender = _e164(sms.sender)
    by_number = await _organisation_by_number(session, sms)
    answered = await _latest_sms_to(session, sender, by_number)
    organisation_id = by_number or (answered.organisation_id if answered else None)
    if organisation_id is None:
        log.warning("inbound SMS %s matches no organisation; dropped", sms.provider_reference)
        return None
    intent = replies.classify(sms.body)
    received = ReceivedMessage(
        organisation_id=organisation_id,
        kind="sms",
        sender=sender,
        recipient=sms.recipient,
        content=sms.body,
        intent=intent,
        provider_reference=sms.provider_reference,
        in_reply_to=answered.id if answered else None,
        created_at=sms.received_at or utcnow(),
    )
    session.add(received)
    try:
        # The insert first: a duplicate delivery fails here, before anything acts on it.
        await session.flush()
        await callbacks.sms_received(session, received)
        await reply_actions.act_on_reply(session, received)
        if intent in CONFIRMATIONS:
            opt_outs.record(
                session, organisation_id, sender, opted_out=intent == replies.STOP, source="reply"
            )
        await session.commit()
    except IntegrityError:
        # Twilio delivered the same webhook twice at once; the other request stored it.
        await session.rollback()
        return await session.scalar(
            select(ReceivedMessage).where(
                ReceivedMessage.provider_reference == sms.provider_reference
            )
        )
    if intent in CONFIRMATIONS:
        language = replies.language_of(sms.body) or (answered.language if answered else "nl")
        request = SendRequest(
            kind="sms",
            template_id=CONFIRMATIONS[intent],
            recipient=sender,
            language=language,
            idempotency_key=f"confirm:{sms.provider_reference}",
        )
        await accept(session, queue, Origin(organisation_id), request, respect_opt_out=False)
    return received


def _e164(number: str) -> str:
    try:
        return normalise_phone_number(number)
    except InvalidRecipient:
        return number.strip()


async def _organisation_by_number(session: AsyncSession, sms: InboundSms) -> str | None:
    return await senders.organisation_of_number(session, sms.recipient)


async def _latest_sms_to(
    session: AsyncSession, number: str, organisation_id: str | None
) -> Message | None:
    query = select(Message).where(Message.kind == "sms", Message.recipient == number)
    if organisation_id is not None:
        query = query.where(Message.organisation_id == organisation_id)
    return await session.scalar(query.order_by(Message.created_at.desc()).limit(1))
