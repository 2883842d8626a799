"""POST /v2/notifications/bulk: many messages from one template, in GC Notify's shape
(cds-snc/notification-api, `post_bulk` and its `post_bulk_request` schema); the rules are in
messages/bulk.py."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from messenger.api.deps import AppClock, AppSettings, Key, Limits, Queue, Session
from messenger.api.notifications import IdempotencyKey, scheduled_when
from messenger.api.request_limits import RequestLimits
from messenger.api.schemas import Language
from messenger.messages import bulk
from messenger.messages.sending import Origin, RequestRejected
from messenger.platform.models import ApiKey, Organisation

router = APIRouter(prefix="/v2/notifications", tags=["notifications"])

Cell = str | int | float | bool | None


class BulkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=1000, description="The job's name")
    template_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")
    rows: list[list[Cell]] | None = Field(
        default=None, description="The header (recipient column, then values), then a row each"
    )
    csv: str | None = Field(default=None, description="The same as CSV text, header first")
    # Not before this moment, up to 7 days ahead; without an offset, Brussels time.
    scheduled_for: str | None = Field(default=None, max_length=40)
    reply_to_id: str | None = Field(default=None, max_length=36)
    # Every message's reference, unless its row has a `reference` column; else the job id.
    reference: str | None = Field(default=None, max_length=1000)
    # Messenger's addition, as on a single send: the template's language (default nl).
    language: Language = "nl"


class ApiKeyRef(BaseModel):
    id: str
    key_type: str
    name: str


class ServiceName(BaseModel):
    name: str


class CreatedBy(BaseModel):
    id: str
    name: str


class BulkJob(BaseModel):
    """GC Notify's job, as its `job_schema` dumps one."""

    api_key: ApiKeyRef
    archived: bool = False
    created_at: str
    created_by: CreatedBy | None = None  # a key sent it, not a person
    id: str
    job_status: str  # "finished": every row is a message; "scheduled": they wait for their time
    notification_count: int
    original_file_name: str
    processing_finished: str | None
    processing_started: str | None
    scheduled_for: str | None
    sender_id: str | None
    service: str
    service_name: ServiceName
    template: str
    template_type: str
    template_version: int
    updated_at: str | None = None


class BulkJobResponse(BaseModel):
    data: BulkJob


@router.post(
    "/bulk",
    status_code=201,
    response_model=BulkJobResponse,
    responses={400: {"description": "Notify's error shape; one error a bad row, 'Row 3 - …'"}},
)
async def send_bulk(
    body: BulkRequest,
    key: Key,
    db: Session,
    queue: Queue,
    settings: AppSettings,
    clock: AppClock,
    limits: Limits,
    idempotency_key: IdempotencyKey = None,
) -> BulkJobResponse | JSONResponse:
    """Either `rows` or `csv`: the first row names the columns (`phone number`, `email
    address` or `address line 1`…`7`, then the template's values, and optionally
    `reference`), each row under it is one message. One bad row and nothing is sent."""
    when = await scheduled_when(db, key.organisation_id, body.scheduled_for, clock)
    request = bulk.BulkRequest(
        name=body.name,
        template_id=body.template_id,
        rows=body.rows,
        csv=body.csv,
        scheduled_for=when,
        reply_to_id=body.reply_to_id,
        reference=body.reference,
        language=body.language,
        idempotency_key=idempotency_key,
    )
    origin = Origin.of_key(key)
    try:
        prepared = await bulk.prepare_job(db, origin, request, max_rows=settings.bulk_max_rows)
    except bulk.RowsRejected as exc:
        errors = [{"error": exc.error, "message": row} for row in exc.rows]
        return JSONResponse(status_code=400, content={"status_code": 400, "errors": errors})
    kind, count = prepared.job.kind, len(prepared.messages)
    await _fits_the_day(limits, key, kind, count, clock.now())
    job = await bulk.store_job(db, queue, prepared)
    if limits is not None and not job.replayed:
        await limits.sent(key, kind, clock.now(), count)
    organisation = await db.get(Organisation, key.organisation_id)
    return BulkJobResponse(data=_job(job, key, organisation.name if organisation else ""))


async def _fits_the_day(
    limits: RequestLimits | None, key: ApiKey, kind: str, count: int, now: datetime
) -> None:
    """GC Notify's check for a batch: all of it must fit in what is left of the day's limit
    (request_limits.py); a 400 in its words."""
    if limits is None or count == 0:
        return
    left = await limits.remaining(key, kind, now)
    if left is not None and count > left:
        what = "sms messages" if kind == "sms" else "messages"
        raise RequestRejected(
            f"You only have {left} remaining {what} before you reach your daily limit. "
            f"You've tried to send {count} {what}."
        )


def _job(job: bulk.Job, key: ApiKey, organisation_name: str) -> BulkJob:
    return BulkJob(
        api_key=ApiKeyRef(id=key.id, key_type=key.key_type, name=key.name),
        created_at=_iso(job.created_at),
        id=job.id,
        job_status="scheduled" if job.scheduled_for else "finished",
        notification_count=job.notification_count,
        original_file_name=job.name,
        processing_started=_iso(job.created_at),
        processing_finished=_iso(job.processing_finished),
        scheduled_for=_iso(job.scheduled_for) if job.scheduled_for else None,
        sender_id=job.sender_id,
        service=key.organisation_id,
        service_name=ServiceName(name=organisation_name),
        template=job.template_id,
        template_type=job.kind,
        template_version=job.template_version,
    )


def _iso(moment: datetime) -> str:
    """GC Notify's job times: ISO 8601 in UTC with +00:00."""
    return moment.astimezone(UTC).isoformat()
