"""Inbound email: a reply reaches the social worker, a bounce fails its message.

Both doors (POST /webhooks/email/inbound and `messenger smtp-inbound`) feed `receive`.
channels/email_inbound.py reads the mail; here it is matched to our message (by the token
in reply+TOKEN@ / bounces+TOKEN@, else by our Message-ID) and acted on:
- a bounce: `permanent-failure` for 5.x.x, `temporary-failure` otherwise (forward only);
- a delay: kept in the message's history, its state unchanged;
- an auto-reply ("out of office"): kept in the history, not shown as a reply;
- a feedback report (ARF: the client marked it as spam): a complaint (complaints.py);
- anything else: stored as a received message, linked to the message it answers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.email_inbound import InboundMail, parse_inbound
from messenger.inbound import complaints, replies, reply_actions
from messenger.messages import receipts, statuses
from messenger.platform.models import Message, ReceivedMessage
from messenger.platform.settings import Settings

log = logging.getLogger(__name__)


async def receive(
    session: AsyncSession,
    raw: bytes,
    *,
    settings: Settings,
    envelope_recipients: Sequence[str] = (),
) -> str:
    """Act on one inbound mail; returns what it was taken for (for logs and tests)."""
    report = complaints.read_report(
        raw,
        envelope_recipients=envelope_recipients,
        message_id_domain=settings.message_id_domain,
        reply_domain=settings.reply_domain,
    )
    if report is not None:
        found = await _our_message(session, report.tokens, report.message_ids)
        return await complaints.record(session, report, found)
    mail = parse_inbound(
        raw,
        envelope_recipients=envelope_recipients,
        message_id_domain=settings.message_id_domain,
        reply_domain=settings.reply_domain,
    )
    message = await _our_message(session, mail.tokens, mail.message_ids)
    if mail.kind in ("bounce", "delay", "auto-reply"):
        if message is None:
            log.info("inbound %s matches no message; dropped", mail.kind)
            return "unmatched"
        await receipts.apply_receipt(
            session,
            message.id,
            _status_after(mail, message),
            source="provider",
            detail=_detail(mail),
        )
        await session.commit()
        return mail.kind
    return await _store_reply(session, mail, message, raw, settings)


def _status_after(mail: InboundMail, message: Message) -> str:
    if mail.kind != "bounce":
        return message.status  # history only
    # A bounce without a code is taken as temporary: a wrong "permanent" would stop us
    # writing to an address that works.
    return statuses.PERMANENT_FAILURE if mail.permanent else statuses.TEMPORARY_FAILURE


def _detail(mail: InboundMail) -> str:
    parts = [mail.kind, mail.status or "", mail.diagnostic]
    return " ".join(part for part in parts if part)[:300]


async def _our_message(
    session: AsyncSession, tokens: Sequence[str], message_ids: Sequence[str]
) -> Message | None:
    if tokens:
        found = await session.scalar(
            select(Message)
            .where(Message.reply_token.in_(tokens))
            .order_by(Message.created_at.desc())
            .limit(1)
        )
        if found is not None:
            return found
    if message_ids:
        return await session.scalar(
            select(Message).where(Message.id.in_(message_ids), Message.kind == "email").limit(1)
        )
    return None


async def _store_reply(
    session: AsyncSession,
    mail: InboundMail,
    message: Message | None,
    raw: bytes,
    settings: Settings,
) -> str:
    if message is None and mail.sender:
        message = await _latest_to_sender(session, mail.sender)
    if message is None:
        log.info("inbound reply matches no organisation; dropped")
        return "unmatched"
    reference = _message_id_header(raw)
    if reference and await session.scalar(
        select(ReceivedMessage.id).where(ReceivedMessage.provider_reference == reference)
    ):
        return "duplicate"
    received = ReceivedMessage(
        organisation_id=message.organisation_id,
        kind="email",
        sender=mail.sender,
        # Our address it came to, as `recipient` is our number for an SMS.
        recipient=_reply_address(message, settings),
        subject=mail.subject or None,
        content=mail.text,
        intent=replies.classify(mail.text),
        provider_reference=reference,
        in_reply_to=message.id,
    )
    session.add(received)
    await reply_actions.act_on_reply(session, received)
    await session.commit()
    return "reply"


def _reply_address(message: Message, settings: Settings) -> str:
    if message.reply_token and settings.reply_domain:
        return f"reply+{message.reply_token}@{settings.reply_domain}"
    return settings.email_from


async def _latest_to_sender(session: AsyncSession, sender: str) -> Message | None:
    """No token, no reference: the client wrote a new mail. The latest email we sent to
    that address tells whose client it is, but only when one organisation wrote to it:
    guessing between two would show one OCMW's client mail to another."""
    sent_to = list(
        await session.scalars(
            select(Message)
            .where(Message.kind == "email", func.lower(Message.recipient) == sender.lower())
            .order_by(Message.created_at.desc())
            .limit(50)
        )
    )
    if len({m.organisation_id for m in sent_to}) != 1:
        return None
    return sent_to[0]


def _message_id_header(raw: bytes) -> str | None:
    """The reply's own Message-ID: a webhook delivered twice is stored once."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw, headersonly=True)
    value = str(headers.get("Message-ID", "") or "").strip()
    return value[:200] or None
