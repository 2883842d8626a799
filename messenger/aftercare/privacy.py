"""A client's data: export and erasure (retention of message texts: retention.py).

Erasure anonymises in place instead of deleting, so foreign keys hold and the
reports count the same before and after. Decisions:

- Kept: every kind, status, time, template, variant, outcome and link between rows; case
  events keep only `attended` and `decision` (the rest, such as `agreed` or a water
  company's note, is free text about the person).
- Blanked: names, contact details, bodies, subjects, notes, replies, what partners were
  shown, reminder notes, Notify `reference`s and failure texts (these may quote a name or
  a number).
- The client's messages include unlinked ones to their number or address (a STOP
  confirmation), their replies unlinked ones from it.
- Opt-out records stay: they hold only the number, and texting it again against a STOP is
  worse than keeping it.
- Messages no worker has taken yet are cancelled and pending reminders stop; open tasks and
  unhandled replies are closed, since nobody can act on them any more.
- The audit: an AuditEvent(kind="client-erased") for every erasure, a CaseEvent(kind="erased")
  on each of the client's cases; partners that were shown the client's details are told to
  erase their copy (GDPR art. 19), and the outbox copies of the messages go.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, false, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.sandbox import outbox_path
from messenger.casework import reminders
from messenger.casework.clients import own_client
from messenger.messages import consent, statuses
from messenger.messages.lifecycle import transition
from messenger.messages.queue import DeliveryQueue
from messenger.platform.models import (
    AuditEvent,
    Base,
    Case,
    CaseEvent,
    Client,
    ConsentRecord,
    ContactAttempt,
    Message,
    MessageEvent,
    OptOutRecord,
    Partner,
    PartnerNotice,
    ReceivedMessage,
    Reminder,
    Task,
    utcnow,
)

log = logging.getLogger(__name__)
ERASED = "gewist"
KEPT_DETAILS = ("attended", "decision")
Row = TypeVar("Row", bound=Base)
# The time each table's rows were made: exports list them in that order.
_MADE_AT = ("created_at", "occurred_at", "recorded_at", "attempted_at")


@dataclass(frozen=True)
class ErasureReport:
    client_id: str
    erased_by: str
    erased_at: datetime
    # Rows changed per table; opt-out records are kept on purpose (see above).
    counts: dict[str, int]
    opt_outs_kept: int
    # Partners that were shown the client's details: tell them too (GDPR art. 19).
    partners_to_inform: list[str]
    # (kind, id) of every message that was theirs: their outbox copies go too.
    messages: list[tuple[str, str]]

    def to_json(self) -> dict[str, Any]:
        shown = {k: v for k, v in asdict(self).items() if k != "messages"}
        return {**shown, "erased_at": self.erased_at.isoformat()}


@dataclass(frozen=True)
class _Held:
    """Every row Messenger holds about one client, shared by export and erasure."""

    client: Client
    cases: list[Case]
    reminders: list[Reminder]
    case_events: list[CaseEvent]
    messages: list[Message]
    message_events: list[MessageEvent]
    replies: list[ReceivedMessage]
    tasks: list[Task]
    consents: list[ConsentRecord]
    attempts: list[ContactAttempt]
    notices: list[PartnerNotice]
    opt_outs: list[OptOutRecord]


async def _held(session: AsyncSession, organisation_id: str, client_id: str) -> _Held:
    client = await own_client(session, organisation_id, client_id)
    org, mine = organisation_id, client.id
    cases = await _rows(session, Case, Case.organisation_id == org, Case.client_id == mine)
    case_ids = [c.id for c in cases]
    addresses = [a for a in (client.phone_number, client.email) if a]

    def theirs(link: Any, address: Any) -> ColumnElement[bool]:
        # Unlinked rows to or from the client's number or address are theirs too.
        unlinked = link.is_(None) & address.in_(addresses) if addresses else false()
        return or_(link == mine, unlinked)

    messages = await _rows(
        session,
        Message,
        Message.organisation_id == org,
        theirs(Message.client_id, Message.recipient),
    )
    messages += await _letters_to(session, org, client, {m.id for m in messages})
    replies = await _rows(
        session,
        ReceivedMessage,
        ReceivedMessage.organisation_id == org,
        theirs(ReceivedMessage.client_id, ReceivedMessage.sender),
    )
    reply_ids = [r.id for r in replies]
    return _Held(
        client,
        cases,
        await _rows(session, Reminder, Reminder.case_id.in_(case_ids)),
        await _rows(session, CaseEvent, CaseEvent.case_id.in_(case_ids)),
        messages,
        await _rows(session, MessageEvent, MessageEvent.message_id.in_([m.id for m in messages])),
        replies,
        await _rows(
            session,
            Task,
            Task.organisation_id == org,
            or_(
                Task.client_id == mine,
                Task.case_id.in_(case_ids),
                Task.received_message_id.in_(reply_ids),
            ),
        ),
        await _rows(session, ConsentRecord, ConsentRecord.client_id == mine),
        await _rows(session, ContactAttempt, ContactAttempt.client_id == mine),
        await _rows(session, PartnerNotice, PartnerNotice.client_id == mine),
        await _rows(
            session,
            OptOutRecord,
            OptOutRecord.organisation_id == org,
            OptOutRecord.phone_number == client.phone_number,
        ),
    )


async def _letters_to(
    session: AsyncSession, organisation_id: str, client: Client, known: set[str]
) -> list[Message]:
    """Letters sent through the plain sending API to the client's postal address: they are
    not linked to the client, but they name and locate them all the same."""
    if not client.address_lines:
        return []
    wanted = _address_key(client.address_lines)
    unlinked = await _rows(
        session,
        Message,
        Message.organisation_id == organisation_id,
        Message.client_id.is_(None),
        Message.kind == "letter",
    )
    return [
        m
        for m in unlinked
        if m.id not in known and m.address_lines and _address_key(m.address_lines) == wanted
    ]


def _address_key(lines: Sequence[str]) -> tuple[str, ...]:
    return tuple(" ".join(line.split()).casefold() for line in lines if line.strip())


async def export_client(
    session: AsyncSession, organisation_id: str, client_id: str
) -> dict[str, Any]:
    """Everything Messenger holds about the client, JSON-ready; LookupError if not theirs."""
    held = await _held(session, organisation_id, client_id)
    return {
        "exported_at": utcnow().isoformat(),
        "client": _plain(held.client),
        "consents": _plains(held.consents),
        "cases": [
            {
                **_plain(case),
                "reminders": _plains(r for r in held.reminders if r.case_id == case.id),
                "events": _plains(e for e in held.case_events if e.case_id == case.id),
            }
            for case in held.cases
        ],
        "messages": [
            {
                **_plain(message),
                "events": _plains(e for e in held.message_events if e.message_id == message.id),
            }
            for message in held.messages
        ],
        "replies": _plains(held.replies),
        "contact_attempts": _plains(held.attempts),
        "tasks": _plains(held.tasks),
        "partner_notices": _plains(held.notices),
        "opt_outs": _plains(held.opt_outs),
    }


async def erase_client(
    session: AsyncSession, organisation_id: str, client_id: str, *, erased_by: str
) -> ErasureReport:
    """Remove the client's personal data everywhere, keep what the reports count, and leave
    an audit entry. Returns the rows changed per table. The caller commits."""
    held = await _held(session, organisation_id, client_id)
    now, case_ids = utcnow(), [c.id for c in held.cases]
    partners = sorted({n.partner_id for n in held.notices if n.kind == "shared"})
    # Stop what would still go out. These write through SQL; the blanking below is a plain
    # ORM change of other columns, so the two never overwrite each other.
    for message in held.messages:
        if message.status == statuses.CREATED:
            await session.run_sync(
                transition,
                message.id,
                expected=statuses.CREATED,
                new=statuses.CANCELLED,
                source="api",
                detail="client erased",
            )
    steps = sum(r.status == reminders.PENDING or r.note != ERASED for r in held.reminders)
    await reminders.cancel_pending(session, case_ids, ERASED)
    _blank(held.reminders, note=ERASED)
    counts = {
        "message_events": _blank(held.message_events, detail=""),
        "messages": _blank(
            held.messages,
            recipient="",
            address_lines=[],
            subject=None,
            body="",
            body_without_partner=None,
            reference=None,
            failure_reason=None,
        ),
        "received_messages": _blank(held.replies, sender="", content="", subject=None),
        "tasks": _blank(held.tasks, title=ERASED),
        "consent_records": _blank(held.consents, note=None),
        "contact_attempts": _blank(held.attempts, note=None),
        "partner_notices": _blank(held.notices, shared={}),
        "reminders": steps,
        "case_events": 0,
        "cases": _blank(held.cases, reference=None),
        "clients": _blank(
            [held.client],
            first_name=ERASED,
            last_name=ERASED,
            phone_number=None,
            email=None,
            address_lines=[],
            no_sms=False,
            no_letters_at_home=False,
            shared_phone=False,
        ),
    }
    for event in held.case_events:
        kept = {k: v for k, v in event.details.items() if k in KEPT_DETAILS}
        counts["case_events"] += kept != event.details
        event.details = kept
    for reply in held.replies:
        if reply.handled_at is None:
            reply.handled_at, reply.handled_by = now, erased_by
    for task in held.tasks:
        if task.closed_at is None:
            task.closed_at, task.closed_by = now, erased_by
    held.client.updated_at = now
    session.add_all(
        CaseEvent(
            organisation_id=organisation_id,
            case_id=case_id,
            kind="erased",
            source="system",
            details={"counts": dict(counts)},
            reported_by=erased_by,
            occurred_at=now,
        )
        for case_id in case_ids
    )
    # Accountable even for a client without a case: the audit keeps ids and counts only.
    session.add(
        AuditEvent(
            organisation_id=organisation_id,
            kind="client-erased",
            subject_id=held.client.id,
            details={"counts": dict(counts), "partners_to_inform": len(partners)},
            recorded_by=erased_by,
            occurred_at=now,
        )
    )
    await session.flush()
    # Ids and counts only: personal data never goes into logs.
    log.info("client %s erased by %s: %s", held.client.id, erased_by, counts)
    return ErasureReport(
        held.client.id,
        erased_by,
        now,
        counts,
        len(held.opt_outs),
        partners,
        [(m.kind, m.id) for m in held.messages],
    )


async def inform_partners(
    session: AsyncSession, queue: DeliveryQueue | None, report: ErasureReport
) -> int:
    """Tell every partner that was shown the client's details that they are erased, and to
    erase their copy (GDPR art. 19). The notice names no one: only the earlier notice's date.
    Commits; returns how many partners were told."""
    client = await session.get(Client, report.client_id)
    told = 0
    for partner_id in report.partners_to_inform:
        partner = await session.get(Partner, partner_id)
        consent_id = await session.scalar(
            select(ConsentRecord.id)
            .where(
                ConsentRecord.client_id == report.client_id,
                ConsentRecord.partner_id == partner_id,
            )
            .order_by(ConsentRecord.id.desc())
            .limit(1)
        )
        if client is None or partner is None or consent_id is None:
            continue
        await consent.send_partner_notice(
            session,
            queue,
            client,
            partner,
            kind="erased",
            consent_id=consent_id,
            idempotency_key=f"partner-notice:erased:{client.id}:{partner.id}",
        )
        told += 1
    return told


def erase_files(outbox_dir: Path, messages: Sequence[tuple[str, str]]) -> int:
    """The sandbox outbox copies of an erased client's messages (JSON, .eml, PDF)."""
    removed = 0
    for kind, message_id in messages:
        path = outbox_path(outbox_dir, kind, message_id)
        if path.exists():
            path.unlink()
            removed += 1
    return removed


async def _rows(session: AsyncSession, model: type[Row], *where: ColumnElement[bool]) -> list[Row]:
    table = cast(Any, model)
    made = next(getattr(table, name) for name in _MADE_AT if hasattr(table, name))
    return list(await session.scalars(select(model).where(*where).order_by(made, table.id)))


def _blank(rows: Sequence[Base], **values: Any) -> int:
    """Set `values` on every row; returns how many rows had something to change."""
    changed = 0
    for row in rows:
        if any(getattr(row, name) != value for name, value in values.items()):
            changed += 1
            for name, value in values.items():
                setattr(row, name, value)
    return changed


def _plain(row: Base) -> dict[str, Any]:
    """A row as JSON-ready values: datetimes as ISO 8601, JSON columns as they are."""
    values = {c.key: getattr(row, c.key) for c in inspect(type(row)).column_attrs}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _plains(rows: Iterable[Base]) -> list[dict[str, Any]]:
    return [_plain(row) for row in rows]
