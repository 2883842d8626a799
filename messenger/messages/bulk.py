"""Bulk sending, as GC Notify's `POST /v2/notifications/bulk`: one template, a header row and
rows under it, each row one message. All or nothing.

Every row is checked the way a single send is, by the same code (`sending.prepare`: the
recipient, a team key's people, opt-outs, the values, the length after rendering) before
anything is written. One bad row and nothing is stored: the 400 names the rows. Then every
message is stored in one transaction, with its history row, and queued, as a single send is.

There is no table of jobs: a job is its messages. Each carries the job and its row in its
idempotency key (`bulk:<job id>:<row>`), so a row becomes one message however often the
request comes, and in its reference (the row's `reference` column, else the request's
`reference`, else the job id), so `GET /v2/notifications?reference=` finds the job's messages.
With an Idempotency-Key the job id is derived from it: the same request again answers with
the job it made the first time.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from messenger.messages import lifecycle
from messenger.messages.queue import DeliveryQueue
from messenger.messages.sending import Origin, RequestRejected, SendRequest, prepare, shared_by
from messenger.platform.models import Message
from messenger.wording import template_store
from messenger.wording.rendering import notify_name
from messenger.wording.template_files import DEFAULT_LANGUAGE

# The column that holds the recipient, named as GC Notify names it; case, spaces and dashes
# are ignored, as in a template's ((names)), so `Phone_Number` is `phone number` too.
RECIPIENT_COLUMNS = {"sms": "phone number", "email": "email address", "letter": "address line 1"}
ERRORS_SHOWN = 20  # rows named in a 400, as GC Notify shows them
_REFERENCE = Message.__table__.c.reference.type  # a row's own reference fits the column
_REFERENCE_LENGTH = _REFERENCE.length if isinstance(_REFERENCE, String) else None
_JOBS = uuid.UUID("6f1d9a52-3c1e-4c55-9d2a-2f1b7e0c8a41")  # job ids from an Idempotency-Key


@dataclass(frozen=True)
class BulkRequest:
    name: str
    template_id: str
    # The header first, then one row a message; or the same as CSV text.
    rows: Sequence[Sequence[object]] | None = None
    csv: str | None = None
    # Already moved into the organisation's open hours (casework/send_times.py).
    scheduled_for: datetime | None = None
    # One of the organisation's senders (messages/senders.py): Notify's sms_sender_id or
    # email_reply_to_id, whichever the template's kind takes.
    reply_to_id: str | None = None
    reference: str | None = None
    language: str = DEFAULT_LANGUAGE
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    kind: str
    template_id: str
    template_version: int
    notification_count: int
    # When the rows became messages: the first one's and the last one's created_at.
    created_at: datetime
    processing_finished: datetime
    scheduled_for: datetime | None
    sender_id: str | None
    # True when an earlier request with the same Idempotency-Key made it.
    replayed: bool = False


@dataclass(frozen=True)
class PreparedJob:
    job: Job
    # Checked and rendered, not stored; empty when the job exists already.
    messages: list[Message]


class RowsRejected(RequestRejected):
    """A 400 naming the rows that cannot be sent: `rows` one sentence each ("Row 3 - …", as
    GC Notify words them), `message` all of them in one, as GC Notify answers."""

    def __init__(self, rows: list[str], more: int) -> None:
        super().__init__("Some rows have errors. " + " ".join(f"{r.rstrip('.')}." for r in rows))
        self.rows = rows + ([f"{more} more rows have errors"] if more else [])


def job_id_for(organisation_id: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_JOBS, f"{organisation_id}\n{idempotency_key}"))


async def prepare_job(
    session: AsyncSession, origin: Origin, request: BulkRequest, *, max_rows: int
) -> PreparedJob:
    """Every row checked and rendered, nothing written; RequestRejected (RowsRejected for
    the rows) saying what to fix. The job as it is when the same Idempotency-Key made it."""
    job_id = job_id_for(origin.organisation_id, request.idempotency_key)
    if request.idempotency_key:
        existing = await find_job(
            session, origin.organisation_id, job_id, request.name, request.reply_to_id
        )
        if existing is not None:
            return PreparedJob(existing, [])
    choice = await template_store.find(
        session, origin.organisation_id, request.template_id, language=request.language
    )
    if choice is None:
        raise RequestRejected("Template not found")
    kind = choice.template.kind
    if kind not in RECIPIENT_COLUMNS:
        raise RequestRejected(f"{kind} template is not suitable for bulk sending")
    # The template's text and the sender, looked up once for every row.
    shared = await shared_by(session, origin, _send_request(request, kind, job_id))
    header, rows = _table(request, max_rows)
    columns = _columns(header, kind)
    messages: list[Message] = []
    errors: list[str] = []
    for number, cells in rows:
        try:
            send = _send_request(request, kind, job_id, number, columns, cells)
            messages.append(await prepare(session, origin, send, shared=shared))
        except RequestRejected as exc:
            if exc.status != 400:  # not about this row (a team key's letters: 403)
                raise
            errors.append(f"Row {number} - {exc.message}")
    if errors:
        raise RowsRejected(errors[:ERRORS_SHOWN], len(errors[ERRORS_SHOWN:]))
    first, last = messages[0], messages[-1]
    job = Job(
        id=job_id,
        name=request.name,
        kind=kind,
        template_id=first.template_id,
        template_version=first.template_version,
        notification_count=len(messages),
        created_at=first.created_at,
        processing_finished=last.created_at,
        scheduled_for=first.scheduled_for,
        sender_id=request.reply_to_id,
    )
    return PreparedJob(job, messages)


async def store_job(
    session: AsyncSession, queue: DeliveryQueue | None, prepared: PreparedJob
) -> Job:
    """Store every message in one transaction, then queue them (the reconciler queues what
    Redis did not take)."""
    if not prepared.messages:
        return prepared.job
    organisation_id = prepared.messages[0].organisation_id
    for message in prepared.messages:
        session.add(message)
        lifecycle.record_created(session, message, source="api")
    try:
        await session.commit()
    except IntegrityError:
        # The same Idempotency-Key, a moment earlier, from another request.
        await session.rollback()
        job = prepared.job
        existing = await find_job(session, organisation_id, job.id, job.name, job.sender_id)
        if existing is None:
            raise
        return existing
    if queue is not None:
        for message in prepared.messages:
            await queue.enqueue(message.id, not_before=message.scheduled_for)
    return prepared.job


async def find_job(
    session: AsyncSession, organisation_id: str, job_id: str, name: str, sender_id: str | None
) -> Job | None:
    """The job as its messages say; its name and sender as asked (they are not stored)."""
    mine = (
        Message.organisation_id == organisation_id,
        Message.idempotency_key.like(_row_key(job_id, "%")),
    )
    first = await session.scalar(
        select(Message).where(*mine).order_by(Message.created_at, Message.id).limit(1)
    )
    if first is None:
        return None
    counted = select(func.count(), func.max(Message.created_at)).where(*mine)
    count, last = (await session.execute(counted)).one()
    return Job(
        id=job_id,
        name=name,
        kind=first.kind,
        template_id=first.template_id,
        template_version=first.template_version,
        notification_count=count,
        created_at=first.created_at,
        processing_finished=last,
        scheduled_for=first.scheduled_for,
        sender_id=sender_id,
        replayed=True,
    )


def _row_key(job_id: str, row: int | str) -> str:
    return f"bulk:{job_id}:{row}"


def _table(request: BulkRequest, max_rows: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the rows under it, numbered from 1 (blank rows count, but send
    nothing), so "Row 3" is the third row under the header as it was sent."""
    if bool(request.rows) == bool(request.csv):
        raise RequestRejected("You should specify either rows or csv")
    if request.rows:
        records = iter([[_text(cell) for cell in row] for row in request.rows])
    else:
        text = (request.csv or "").removeprefix("\ufeff")
        # strict: a quote left open is an error, not the rest of the file in one cell.
        records = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(records, [])]
        rows: list[tuple[int, list[str]]] = []
        for number, cells in enumerate(records, start=1):
            if any(cell.strip() for cell in cells):
                rows.append((number, cells))
            if len(rows) > max_rows:
                raise RequestRejected(
                    f"Too many rows. Maximum number of rows allowed is {max_rows}"
                )
    except csv.Error as exc:
        raise RequestRejected(f"Error converting to CSV: {exc}") from None
    if not rows:
        raise RequestRejected(
            "No rows to send: the first row names the columns, each row under it is a message"
        )
    return header, rows


def _text(cell: object) -> str:
    """A cell as CSV would carry it: nothing for null, numbers as written."""
    return "" if cell is None else str(cell)


def _columns(header: list[str], kind: str) -> list[str]:
    """The header as value names; a column without a name is left out."""
    columns = [notify_name(name) for name in header]
    twice = sorted({h for h, c in zip(header, columns, strict=True) if c and columns.count(c) > 1})
    if twice:
        raise RequestRejected(f"Duplicate column headers: {', '.join(twice)}")
    if notify_name(RECIPIENT_COLUMNS[kind]) not in columns:
        raise RequestRejected(f"Missing column headers: {RECIPIENT_COLUMNS[kind]}")
    return columns


def _send_request(
    request: BulkRequest,
    kind: str,
    job_id: str,
    number: int = 0,
    columns: Sequence[str] = (),
    cells: Sequence[str] = (),
) -> SendRequest:
    """One row as a single send asks for it (no row: what every row shares)."""
    if any(cell.strip() for cell in cells[len(columns) :]):
        raise RequestRejected(
            f"has {len(cells)} cells, but the header names {len(columns)} columns"
        )
    values = {name: cell for name, cell in zip(columns, cells, strict=False) if name}
    reference = values.get("reference") or request.reference or job_id
    if _REFERENCE_LENGTH is not None and len(reference) > _REFERENCE_LENGTH:
        raise RequestRejected(f"reference is longer than {_REFERENCE_LENGTH} characters")
    recipient = "" if kind == "letter" else values.get(notify_name(RECIPIENT_COLUMNS[kind]), "")
    return SendRequest(
        kind=kind,
        template_id=request.template_id,
        recipient=recipient,
        personalisation=values,
        reference=reference,
        language=request.language,
        idempotency_key=_row_key(job_id, number),
        sender_id=request.reply_to_id,
        scheduled_for=request.scheduled_for,
    )
