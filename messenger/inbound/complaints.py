"""Email complaints: a client marked one of our emails as spam.

Mailbox providers say so with a feedback report (ARF, RFC 5965): `multipart/report;
report-type=feedback-report`, a `message/feedback-report` part (`Feedback-Type: abuse`,
`Arrival-Date`, `Original-Mail-From`, …) and the original email or its headers. It reaches
Messenger like a bounce (the SMTP listener or the inbound webhook); messenger.inbound.email
hands it here once it has found our message, as it finds a bounce's: by the token in our
reply+TOKEN@ / bounces+TOKEN@ addresses (Reply-To, Return-Path, Original-Mail-From, the
envelope), else by our Message-ID in the original.

What a complaint does, as in GOV.UK Notify: it is recorded (`Complaint`, one per email), the
organisation's complaint callback hears of it, and nothing is stopped: further emails to that
address still go. Messenger adds what Notify leaves to its users: a task for the social
worker, on the client's timeline when the client is known, since a client who calls our
email spam may want to hear from us another way. A report for no message of ours, or one that
cannot be read, is logged (without addresses) and dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message as MailMessage
from email.parser import HeaderParser
from email.utils import parsedate_to_datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.email_inbound import our_ids, our_tokens
from messenger.casework import inbox
from messenger.messages import callbacks, receipts
from messenger.platform.models import Client, Complaint, Message, utcnow

log = logging.getLogger(__name__)

# RFC 5965 §7.3 (and RFC 6591's auth-failure, RFC 6650's not-spam): only these are a person
# saying "spam"; the others are about authentication or undo a complaint.
COMPLAINT_TYPES = frozenset({"abuse", "fraud", "virus", "other"})
TASK_KIND = "outreach"  # inbox.TASK_KINDS: find another way to reach the client
TASK_TITLE = "Heeft onze e-mail als spam gemeld. Vraag hoe de cliënt liever bericht krijgt."

REPORT_TYPE = "message/feedback-report"
ORIGINAL_TYPES = ("message/rfc822", "message/global", "text/rfc822-headers")
TOKEN_HEADERS = ("reply-to", "return-path", "to", "cc", "delivered-to", "x-original-to")
_TYPE = re.compile(r"^[a-z][a-z0-9-]{0,29}$")


@dataclass(frozen=True)
class FeedbackReport:
    """What an ARF report says. `feedback_type` is empty when the report could not be read."""

    feedback_type: str
    arrived_at: datetime | None
    tokens: tuple[str, ...]
    message_ids: tuple[str, ...]

    @property
    def readable(self) -> bool:
        return bool(self.feedback_type)

    @property
    def complaint(self) -> bool:
        return self.feedback_type in COMPLAINT_TYPES


def read_report(
    raw: bytes,
    *,
    envelope_recipients: Sequence[str] = (),
    message_id_domain: str,
    reply_domain: str | None,
) -> FeedbackReport | None:
    """The feedback report in `raw`, or None when it is no feedback report (then it is a
    reply or a bounce). Never raises: a report that cannot be read has no feedback type."""
    try:
        mail = message_from_bytes(raw)  # compat32: lenient, records defects instead of raising
        parts = list(_parts(mail))
        declared = mail.get_content_type() == "multipart/report" and (
            str(mail.get_param("report-type", "") or "").lower() == "feedback-report"
        )
    except Exception:
        return None
    if not declared and not any(p.get_content_type() == REPORT_TYPE for p in parts):
        return None
    try:
        return _read(parts, envelope_recipients, message_id_domain, reply_domain)
    except Exception:  # a report we cannot read is dropped, never a crash of the listener
        return FeedbackReport("", None, (), ())


async def record(session: AsyncSession, report: FeedbackReport, message: Message | None) -> str:
    """Act on a report about `message` (None: none of ours); returns what it was taken for.
    Commits."""
    if not report.readable:
        log.warning("inbound feedback report (ARF) unreadable: no usable Feedback-Type; dropped")
        return "malformed"
    if not report.complaint:
        log.info(
            "inbound feedback report of type %s is no complaint; dropped", report.feedback_type
        )
        return "feedback"
    if message is None:
        log.info("inbound complaint (%s) matches no message; dropped", report.feedback_type)
        return "unmatched"
    if await session.scalar(select(Complaint.id).where(Complaint.message_id == message.id)):
        return "duplicate"
    complaint = Complaint(
        organisation_id=message.organisation_id,
        message_id=message.id,
        complaint_type=report.feedback_type,
        complaint_date=report.arrived_at or utcnow(),
        created_at=utcnow(),
    )
    session.add(complaint)
    await session.flush()
    # In the email's history; its status stays (an email marked spam was delivered).
    await receipts.apply_receipt(
        session,
        message.id,
        message.status,
        source="provider",
        detail=f"complaint {report.feedback_type}",
    )
    inbox.open_task(
        session,
        message.organisation_id,
        TASK_KIND,
        TASK_TITLE,
        client_id=message.client_id or await _only_client_at(session, message),
        case_id=message.case_id,
    )
    await callbacks.email_complained(session, complaint)
    await session.commit()
    log.info(
        "complaint %s (%s) recorded for message %s of organisation %s",
        complaint.id, complaint.complaint_type, message.id, message.organisation_id,
    )  # fmt: skip
    return "complaint"


async def _only_client_at(session: AsyncSession, message: Message) -> str | None:
    """An email sent without a client (a plain API send) belongs to the organisation's one
    client with that address; with two (a shared address), to neither."""
    if not message.recipient:
        return None
    found = list(
        await session.scalars(
            select(Client.id)
            .where(
                Client.organisation_id == message.organisation_id,
                func.lower(Client.email) == message.recipient.lower(),
            )
            .limit(2)
        )
    )
    return found[0] if len(found) == 1 else None


# -- reading the report (pure) ------------------------------------------------------------------


def _read(
    parts: list[MailMessage],
    envelope_recipients: Sequence[str],
    id_domain: str,
    reply_domain: str | None,
) -> FeedbackReport:
    fields = next((_fields(p) for p in parts if p.get_content_type() == REPORT_TYPE), {})
    feedback_type = fields.get("feedback-type", "").strip().lower()
    originals = [h for p in parts if p.get_content_type() in ORIGINAL_TYPES for h in _headers(p)]
    addresses = [
        *envelope_recipients,
        fields.get("original-mail-from", ""),
        *(str(v) for h in originals for k, v in h.items() if k.lower() in TOKEN_HEADERS),
    ]
    ids = (str(v) for h in originals for k, v in h.items() if k.lower() == "message-id")
    return FeedbackReport(
        feedback_type if _TYPE.match(feedback_type) else "",
        _date(fields.get("arrival-date") or fields.get("received-date") or ""),
        our_tokens(addresses, reply_domain),
        tuple(dict.fromkeys(our_ids(ids, id_domain))),
    )


def _parts(mail: MailMessage, depth: int = 0) -> Iterable[MailMessage]:
    """The report's own parts, not those of the original it carries."""
    payload = mail.get_payload()
    if mail.get_content_maintype() == "multipart" and isinstance(payload, list) and depth < 10:
        for child in payload:
            if isinstance(child, MailMessage):
                yield from _parts(child, depth + 1)
    else:
        yield mail


def _fields(part: MailMessage) -> dict[str, str]:
    """The report's fields: the stdlib parses message/* as a message whose headers they are."""
    payload = part.get_payload()
    if isinstance(payload, list):
        found = [m for m in payload if isinstance(m, MailMessage)]
        items = [(k, str(v)) for m in found for k, v in m.items()]
    else:
        text = part.get_payload(decode=True)
        block = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(payload)
        items = [(k, str(v)) for k, v in HeaderParser().parsestr(block.strip() + "\n").items()]
    fields: dict[str, str] = {}
    for key, value in items:
        fields.setdefault(key.lower(), " ".join(value.split()))
    return fields


def _headers(part: MailMessage) -> list[MailMessage]:
    """The original email's headers: an attached message, or text/rfc822-headers."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [m for m in payload if isinstance(m, MailMessage)][:1]
    data = part.get_payload(decode=True)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(payload)
    return [HeaderParser().parsestr(text, headersonly=True)]


def _date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
