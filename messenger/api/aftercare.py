"""Aftercare: contact attempts, the social worker's inbox and tasks, and a client's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from messenger.aftercare import contact_attempts, outcomes, reports
from messenger.aftercare.timeline import timeline
from messenger.aftercare.what_works import to_csv, to_json
from messenger.api.deps import AppClock, Key, Session
from messenger.api.errors import bad_request
from messenger.casework import cases, inbox
from messenger.casework.clients import own_client
from messenger.messages.sending import RequestRejected
from messenger.platform.models import ContactAttempt, ReceivedMessage, Task

router = APIRouter(prefix="/v2", tags=["aftercare"])


class AttemptIn(BaseModel):
    method: str = Field(description=", ".join(contact_attempts.METHODS))
    outcome: str = Field(description=", ".join(contact_attempts.OUTCOMES))
    case_id: str | None = None
    note: str | None = Field(default=None, max_length=1000)
    attempted_at: datetime | None = None


class AttemptOut(AttemptIn):
    id: str
    recorded_by: str


class TaskIn(BaseModel):
    kind: str = Field(description=", ".join(inbox.TASK_KINDS))
    title: str = Field(min_length=1, max_length=300)
    client_id: str | None = None
    case_id: str | None = None
    assigned_to: str | None = Field(default=None, max_length=200)


class TaskOut(TaskIn):
    id: str
    received_message_id: str | None
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None


class ReplyOut(BaseModel):
    id: str
    kind: str
    sender: str
    content: str
    intent: str
    client_id: str | None
    case_id: str | None
    in_reply_to: str | None
    created_at: datetime
    handled_at: datetime | None
    handled_by: str | None


class InboxOut(BaseModel):
    replies: list[ReplyOut]
    tasks: list[TaskOut]


class OutcomeIn(BaseModel):
    attended: bool
    decision: str | None = Field(default=None, description=", ".join(outcomes.DECISIONS))
    agreed: str | None = Field(default=None, max_length=2000, description="What was agreed")


class AmendmentIn(OutcomeIn):
    reason: str = Field(min_length=1, max_length=500, description="Why the outcome is corrected")


class EntryOut(BaseModel):
    at: datetime
    kind: str
    summary: str
    details: dict[str, Any]


@router.post("/clients/{client_id}/contact-attempts", status_code=201, response_model=AttemptOut)
async def record_attempt(client_id: str, body: AttemptIn, key: Key, db: Session) -> AttemptOut:
    client = await own_client(db, key.organisation_id, client_id)
    with bad_request():
        attempt = await contact_attempts.record(
            db, client, recorded_by=key.name, **body.model_dump()
        )
    await db.commit()
    return _attempt(attempt)


@router.get("/clients/{client_id}/timeline", response_model=list[EntryOut])
async def client_timeline(client_id: str, key: Key, db: Session) -> list[EntryOut]:
    client = await own_client(db, key.organisation_id, client_id)
    return [EntryOut(**vars(entry)) for entry in await timeline(db, client)]


@router.post("/cases/{case_id}/outcome", status_code=201, response_model=EntryOut)
async def case_outcome(
    case_id: str, body: OutcomeIn, key: Key, db: Session, clock: AppClock
) -> EntryOut:
    """The case's one outcome, from the start of its session on."""
    case = await cases.own_case(db, key.organisation_id, case_id)
    with bad_request():
        event = await outcomes.record_outcome(
            db, case, recorded_by=key.name, now=clock.now(), **body.model_dump()
        )
    await db.commit()
    return EntryOut(
        at=event.occurred_at, kind=event.kind, summary="uitkomst", details=event.details
    )


@router.post("/cases/{case_id}/outcome/amendment", status_code=201, response_model=EntryOut)
async def amend_case_outcome(
    case_id: str, body: AmendmentIn, key: Key, db: Session, clock: AppClock
) -> EntryOut:
    """Correct the outcome, saying why; the aftercare is planned again."""
    case = await cases.own_case(db, key.organisation_id, case_id)
    with bad_request():
        event = await outcomes.amend_outcome(
            db, case, recorded_by=key.name, now=clock.now(), **body.model_dump()
        )
    await db.commit()
    return EntryOut(
        at=event.occurred_at, kind=event.kind, summary="uitkomst aangepast", details=event.details
    )


@router.get("/reports/what-works", response_model=None)
async def what_works_report(
    key: Key,
    db: Session,
    start: Annotated[datetime, Query(description="From (inclusive), with offset")],
    end: Annotated[datetime, Query(description="Until (exclusive), with offset")],
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response | list[dict[str, object]]:
    """Attempts, delivered, replied and attended by method, channel, variant, weekday and
    hour, with Wilson 95% intervals. CSV is ';'-separated with decimal commas (Excel nl-BE)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise RequestRejected("start and end need a time zone", error="ValidationError")
    rows = await reports.what_works(db, key.organisation_id, start, end)
    if format == "csv":
        return Response(to_csv(rows), media_type="text/csv; charset=utf-8")
    return to_json(rows)


@router.get("/inbox", response_model=InboxOut)
async def get_inbox(key: Key, db: Session, assigned_to: str | None = None) -> InboxOut:
    replies, tasks = await inbox.open_items(db, key.organisation_id, assigned_to=assigned_to)
    return InboxOut(replies=[_reply(r) for r in replies], tasks=[_task(t) for t in tasks])


@router.post("/inbox/replies/{reply_id}/handled", response_model=ReplyOut)
async def reply_handled(reply_id: str, key: Key, db: Session) -> ReplyOut:
    received = await inbox.mark_handled(db, key.organisation_id, reply_id, by=key.name)
    await db.commit()
    return _reply(received)


@router.post("/tasks", status_code=201, response_model=TaskOut)
async def new_task(body: TaskIn, key: Key, db: Session) -> TaskOut:
    with bad_request():
        task = await inbox.add_task(db, key.organisation_id, **body.model_dump())
    await db.commit()
    return _task(task)


@router.post("/tasks/{task_id}/close", response_model=TaskOut)
async def close_task(task_id: str, key: Key, db: Session) -> TaskOut:
    task = await inbox.close_task(db, key.organisation_id, task_id, by=key.name)
    await db.commit()
    return _task(task)


def _attempt(attempt: ContactAttempt) -> AttemptOut:
    return AttemptOut(
        id=attempt.id,
        method=attempt.method,
        outcome=attempt.outcome,
        case_id=attempt.case_id,
        note=attempt.note,
        attempted_at=attempt.attempted_at,
        recorded_by=attempt.recorded_by,
    )


def _task(task: Task) -> TaskOut:
    return TaskOut(
        id=task.id,
        kind=task.kind,
        title=task.title,
        client_id=task.client_id,
        case_id=task.case_id,
        assigned_to=task.assigned_to,
        received_message_id=task.received_message_id,
        created_at=task.created_at,
        closed_at=task.closed_at,
        closed_by=task.closed_by,
    )


def _reply(received: ReceivedMessage) -> ReplyOut:
    return ReplyOut(
        id=received.id,
        kind=received.kind,
        sender=received.sender,
        content=received.content,
        intent=received.intent,
        client_id=received.client_id,
        case_id=received.case_id,
        in_reply_to=received.in_reply_to,
        created_at=received.created_at,
        handled_at=received.handled_at,
        handled_by=received.handled_by,
    )
