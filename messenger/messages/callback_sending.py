"""Sending the callback outbox (callbacks.py) to the organisations' own addresses: the body
of the worker's `send-callback` job and of its cron.

- One delivery at a time per subject (a message, a received message): the next is claimed
  only when the one before is delivered or given up. Different subjects do not wait.
- Claimed by a guarded update (`pending` -> `sending`) before the POST, so a job that runs
  twice POSTs once. A run that died mid-POST leaves its claim; past the lease the cron
  makes it `pending` again (the receiver may then hear it twice, as from Notify).
- Bounded: our own timeout around the whole POST, no redirects followed, at most a small
  part of the answer read, https only (http on this machine).
- A 5xx, 429, 408, a time-out or no connection retries with capped exponential backoff and
  jitter, for up to MESSENGER_CALLBACK_RETRY_HOURS after the event; then, or at once on
  any other answer, the delivery is `failed` and shows on the settings page.
- The token and the body never reach a log: logs name the delivery, its kind and the status.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from messenger.messages.callbacks import (
    DELIVERED,
    DROPPED,
    FAILED,
    PENDING,
    SENDING,
    UNFINISHED,
    find_callback,
)
from messenger.platform.clock import Clock
from messenger.platform.db import Sessions
from messenger.platform.encryption import SecretBox
from messenger.platform.models import CallbackDelivery, CallbackFailure
from messenger.platform.settings import Settings, secure_url

log = logging.getLogger(__name__)
READ_AT_MOST = 1024  # bytes of an answer we read (and throw away)
BATCH = 500
KEEP_FINISHED_DAYS = 30


@dataclass(frozen=True)
class Answer:
    """What one POST got: an HTTP status, or None and why there was none."""

    status_code: int | None
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        code = self.status_code
        return code is None or code >= 500 or code in (408, 429)

    def describe(self) -> str:
        if self.status_code is None:
            return self.error or "no answer"
        if 300 <= self.status_code < 400:
            return f"HTTP {self.status_code} (redirect not followed)"
        return f"HTTP {self.status_code}"


@dataclass(frozen=True)
class Sent:
    """What a job did, and the subject's next delivery, now free to go."""

    note: str
    next_id: int | None = None


class CallbackSender:
    def __init__(
        self,
        sessions: Sessions,
        box: SecretBox,
        settings: Settings,
        clock: Clock,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.sessions = sessions
        self.box = box
        self.settings = settings
        self.clock = clock
        self.client = client or httpx.AsyncClient(
            timeout=settings.callback_timeout_seconds,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.callback_timeout_seconds * 2 + 30)

    # -- the cron -----------------------------------------------------------------------------

    async def due(self) -> list[int]:
        """Free abandoned claims, and return the deliveries that may go now: due, and first
        of their subject."""
        now = self.clock.now()
        async with self.sessions() as session:
            await session.execute(
                update(CallbackDelivery)
                .where(
                    CallbackDelivery.status == SENDING,
                    CallbackDelivery.claimed_at < now - self.lease,
                )
                .values(status=PENDING, claimed_at=None)
            )
            await session.commit()
            ready = (CallbackDelivery.due_at.is_(None)) | (CallbackDelivery.due_at <= now)
            found = await session.scalars(
                select(CallbackDelivery.id)
                .where(CallbackDelivery.status == PENDING, ready, _first_of_subject())
                .order_by(CallbackDelivery.id)
                .limit(BATCH)
            )
            return list(found)

    async def prune(self) -> int:
        """Deliveries that ended more than KEEP_FINISHED_DAYS ago go, with their failures."""
        before = self.clock.now() - timedelta(days=KEEP_FINISHED_DAYS)
        async with self.sessions() as session:
            old = select(CallbackDelivery.id).where(
                CallbackDelivery.status.not_in(UNFINISHED), CallbackDelivery.finished_at < before
            )
            await session.execute(
                delete(CallbackFailure).where(CallbackFailure.delivery_id.in_(old))
            )
            result = await session.execute(
                delete(CallbackDelivery).where(CallbackDelivery.id.in_(old))
            )
            await session.commit()
        return int(getattr(result, "rowcount", 0) or 0)

    # -- the job ------------------------------------------------------------------------------

    async def send(self, delivery_id: int) -> Sent:
        now = self.clock.now()
        async with self.sessions() as session:
            delivery = await session.get(CallbackDelivery, delivery_id)
            if delivery is None:
                return Sent("no such delivery")
            if delivery.status != PENDING:
                return Sent(f"already {delivery.status}")
            callback = await find_callback(session, delivery.organisation_id, delivery.kind)
            if callback is None:
                dropped = await _finish(session, delivery, None, DROPPED, now)
                await session.commit()
                return Sent("dropped: the callback was removed", dropped)
            attempt = await _claim(session, delivery, now)
            await session.commit()
            if attempt is None:
                return Sent("not due, behind an earlier one, or claimed by another run")
            url, token = callback.url, self.box.decrypt(callback.bearer_token_encrypted)
            payload, created_at = delivery.payload, delivery.created_at
            kind, organisation_id = delivery.kind, delivery.organisation_id
        if token is None:
            answer = Answer(None, "bearer token unreadable (another server key)")
        elif not secure_url(url):
            answer = Answer(None, "address not allowed (https only)")
        else:
            answer = await self._post(url, token, payload)
        log.info(
            "callback %d (%s) for organisation %s, attempt %d: %s",
            delivery_id, kind, organisation_id, attempt, "ok" if answer.ok else answer.describe(),
        )  # fmt: skip
        return await self._record(delivery_id, attempt, created_at, answer)

    async def _post(self, url: str, token: str, payload: dict[str, Any]) -> Answer:
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "Messenger callbacks"}
        try:
            async with asyncio.timeout(self.settings.callback_timeout_seconds):
                async with self.client.stream("POST", url, json=payload, headers=headers) as got:
                    read = 0
                    async for chunk in got.aiter_raw():
                        read += len(chunk)
                        if read >= READ_AT_MOST:
                            break
                    return Answer(got.status_code, retry_after=_retry_after(got))
        except (TimeoutError, httpx.TimeoutException):
            return Answer(None, "timed out")
        except httpx.HTTPError as exc:
            # The exception's text can carry the address: name its kind only.
            return Answer(None, f"no connection ({type(exc).__name__})")

    async def _record(
        self, delivery_id: int, attempt: int, created_at: datetime, answer: Answer
    ) -> Sent:
        now = self.clock.now()
        async with self.sessions() as session:
            delivery = await session.get(CallbackDelivery, delivery_id)
            if delivery is None or delivery.status != SENDING or delivery.attempts != attempt:
                return Sent("taken over by another run")
            callback = await find_callback(session, delivery.organisation_id, delivery.kind)
            if answer.ok:
                free = await _finish(session, delivery, answer, DELIVERED, now)
                if callback is not None:
                    callback.last_success_at = now
                await session.commit()
                return Sent("delivered", free)
            delay = self.backoff(attempt, answer.retry_after)
            window = timedelta(hours=self.settings.callback_retry_hours)
            give_up = not answer.retryable or now + timedelta(seconds=delay) > created_at + window
            session.add(
                CallbackFailure(
                    delivery_id=delivery.id,
                    organisation_id=delivery.organisation_id,
                    kind=delivery.kind,
                    attempted_at=now,
                    status_code=answer.status_code,
                    error=answer.describe()[:200],
                    outcome=FAILED if give_up else "retry",
                )
            )
            if callback is not None:
                callback.last_failure_at = now
                callback.last_failure = answer.describe()[:200]
            if give_up:
                free = await _finish(session, delivery, answer, FAILED, now)
                await session.commit()
                log.warning(
                    "callback %d (%s) for organisation %s given up after %d attempts: %s",
                    delivery.id, delivery.kind, delivery.organisation_id, attempt,
                    answer.describe(),
                )  # fmt: skip
                return Sent("given up", free)
            await _move(
                session, delivery, attempt, PENDING, **_answer(answer),
                due_at=now + timedelta(seconds=delay), claimed_at=None,
            )  # fmt: skip
            await session.commit()
        return Sent(f"will retry in {delay:.0f} s")

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Exponential from the base, capped, with ±25 % jitter; at least what a 429's
        Retry-After asks (within the cap)."""
        base = self.settings.callback_retry_base_seconds * 2.0 ** (attempt - 1)
        cap = self.settings.callback_retry_max_seconds
        delay = min(cap, base) * random.uniform(0.75, 1.25)  # noqa: S311 - jitter
        return max(delay, min(retry_after or 0.0, cap))


def _first_of_subject() -> Any:
    """No earlier delivery of the same subject is still to go."""
    earlier = aliased(CallbackDelivery)
    return ~exists().where(
        and_(
            earlier.subject_id == CallbackDelivery.subject_id,
            earlier.id < CallbackDelivery.id,
            earlier.status.in_(UNFINISHED),
        )
    )


async def _claim(session: AsyncSession, delivery: CallbackDelivery, now: datetime) -> int | None:
    """pending -> sending when due and first of its subject; the attempt number, or None."""
    ready = (CallbackDelivery.due_at.is_(None)) | (CallbackDelivery.due_at <= now)
    result = await session.execute(
        update(CallbackDelivery)
        .where(
            CallbackDelivery.id == delivery.id,
            CallbackDelivery.status == PENDING,
            ready,
            _first_of_subject(),
        )
        .values(status=SENDING, claimed_at=now, attempts=CallbackDelivery.attempts + 1)
        .returning(CallbackDelivery.attempts)
        .execution_options(synchronize_session=False)
    )
    attempt = result.scalar()
    return int(attempt) if attempt is not None else None


async def _move(
    session: AsyncSession, delivery: CallbackDelivery, attempt: int, status: str, **values: Any
) -> bool:
    """sending -> `status`, guarded on this run's claim (its attempt number)."""
    result = await session.execute(
        update(CallbackDelivery)
        .where(
            CallbackDelivery.id == delivery.id,
            CallbackDelivery.status == SENDING,
            CallbackDelivery.attempts == attempt,
        )
        .values(status=status, **values)
        .returning(CallbackDelivery.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def _finish(
    session: AsyncSession,
    delivery: CallbackDelivery,
    answer: Answer | None,
    status: str,
    now: datetime,
) -> int | None:
    """The delivery ends (its body is emptied); the id of its subject's next one, if any."""
    values: dict[str, Any] = {"finished_at": now, "payload": {}, "claimed_at": None}
    if answer is None:
        await session.execute(
            update(CallbackDelivery)
            .where(CallbackDelivery.id == delivery.id, CallbackDelivery.status == PENDING)
            .values(status=status, **values)
            .execution_options(synchronize_session=False)
        )
    else:
        await _move(session, delivery, delivery.attempts, status, **values, **_answer(answer))
    return await session.scalar(
        select(CallbackDelivery.id)
        .where(
            CallbackDelivery.subject_id == delivery.subject_id,
            CallbackDelivery.id > delivery.id,
            CallbackDelivery.status == PENDING,
        )
        .order_by(CallbackDelivery.id)
        .limit(1)
    )


def _answer(answer: Answer) -> dict[str, Any]:
    return {
        "last_status_code": answer.status_code,
        "last_error": None if answer.ok else answer.describe()[:200],
    }


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds a 429 or 503 asks us to wait (a number, or an HTTP date)."""
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
