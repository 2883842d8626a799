"""Delivering one message: the body of the queue job.

The job may run twice, at once or after a crash. Only the run that moves the message from
`created` to `sending` calls the provider. A run that finds it `sending`:
- within the send lease: another worker is on it; do nothing;
- past the lease, with no provider reference: the earlier run died during the provider call.
  recovery.py settles it from what the provider knows; it never resends blindly.

A run cancelled once its claim has begun (a stopping worker) is finished, not cut off:
`handing_over` tells the job which runs those are (worker/jobs.py).

The common path costs three short transactions (load, claim, record), each a plain function
of Core statements run in one step (db.Transactions): at a thousand messages a minute the
ORM's unit of work, a session per check and, on SQLite, aiosqlite's hand-off per call cost
more than the SQL and the provider call together (issue 16).
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Executable, bindparam, func, select, update

from channels.base import (
    NotHandedOver,
    OutgoingMessage,
    PermanentError,
    RecipientOptedOut,
    SendResult,
    TransientError,
)
from messenger.messages import consent, opt_outs, statuses
from messenger.messages.lifecycle import note, transition
from messenger.messages.outbound import ChannelSet, made_elsewhere, outgoing
from messenger.messages.rate_limit import RateLimiter
from messenger.platform.db import Sessions, Transactions, engine_of
from messenger.platform.models import Message, Organisation, utcnow
from messenger.platform.settings import Settings

log = logging.getLogger(__name__)


# The message and what the send needs of its organisation, in one statement.
_MESSAGE_ATTRIBUTES = [(a.key, a.columns[0]) for a in Message.__mapper__.column_attrs]
_LOAD = (
    select(
        *(column for _, column in _MESSAGE_ATTRIBUTES),
        Organisation.letter_sender.label("letterhead_sender"),
        Organisation.letter_logo.label("letterhead_logo"),
    )
    .join(Organisation, Organisation.id == Message.organisation_id)
    .where(Message.id == bindparam("id"))
)


def backoff(settings: Settings, attempt: int) -> float:
    """Exponential, capped, with jitter so a burst of failures does not retry in step."""
    base: float = settings.retry_base_seconds * 2.0 ** (attempt - 1)
    capped = min(settings.retry_max_seconds, base)
    return capped * random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not security


@dataclass(frozen=True)
class Letterhead:
    """What a letter needs of its organisation (outbound.outgoing)."""

    letter_sender: str | None
    letter_logo: bool


class Loaded(NamedTuple):
    """What the load transaction read (`_load`)."""

    message: Message
    letterhead: Letterhead
    stop: tuple[str, str, str] | None
    pdf: bytes | None


@dataclass(frozen=True)
class Outcome:
    """What the job should do next: nothing, or run again after `retry_in` seconds."""

    note: str
    retry_in: float | None = None


class Delivery:
    def __init__(
        self,
        sessions: Sessions,
        channels: ChannelSet,
        settings: Settings,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.sessions = sessions
        self.engine = engine_of(sessions)
        self.transactions = Transactions(self.engine)
        self.channels = channels
        self.settings = settings
        self.limiter = limiter
        # Messages whose claim has begun: from then on the provider may have them, so a run
        # is finished, not cancelled, when the worker stops (worker/jobs.py).
        self.handing_over: set[str] = set()

    async def aclose(self) -> None:
        await self.transactions.aclose()

    async def run(self, message_id: str, *, now: datetime | None = None) -> Outcome:
        now = now or utcnow()
        loaded = await self.transactions.run(_load, message_id)
        if loaded is None:
            return Outcome("no such message")
        message, letterhead, stop, pdf = loaded
        if message.status == statuses.SENDING:
            return await self._recover(message, now)
        if message.status != statuses.CREATED:
            return Outcome(f"already {message.status}")
        if message.next_attempt_at and message.next_attempt_at > now:
            return Outcome("not due yet", (message.next_attempt_at - now).total_seconds())
        if stop is not None:
            return await self._stop(message, stop)
        if message.partner_id and message.client_id:
            message = await self._without_withdrawn_partner(message)
        try:
            return await self._attempt(
                message, outgoing(message, self.settings, letterhead, pdf), now
            )
        finally:
            self.handing_over.discard(message.id)

    async def _attempt(
        self, message: Message, outgoing_message: OutgoingMessage, now: datetime
    ) -> Outcome:
        channel = self.channels.for_message(message)
        attempt = message.attempts + 1
        if self.limiter is not None and message.kind == "sms" and channel.name != "sandbox":
            # Reserve a slot before claiming, so a rate-limited job leaves no trace.
            key = f"{channel.name}:{outgoing_message.sender or 'default'}"
            reserved, wait = await self.limiter.reserve(key)
            if not reserved:
                return Outcome("rate limited", wait)
            await asyncio.sleep(wait)
        claimed = False

        async def claim() -> bool:
            # Called by the channel at the last moment before the provider gets the message
            # (after waiting for a connection), so a crash before it leaves nothing to settle.
            nonlocal claimed
            self.handing_over.add(message.id)
            claimed = await self.transactions.run(
                transition,
                message.id,
                expected=statuses.CREATED,
                new=statuses.SENDING,
                source="worker",
                detail=f"attempt {attempt} via {channel.name}",
                at=now,
                attempts=attempt,
                sending_started_at=now,
                channel=channel.name,
            )
            if not claimed:
                self.handing_over.discard(message.id)
            return claimed

        try:
            async with asyncio.timeout(self.settings.send_timeout_seconds):
                result = await channel.send(outgoing_message, claim)
        except NotHandedOver:
            return Outcome("claimed by another run")
        except (TransientError, TimeoutError) as exc:
            reason = exc.reason if isinstance(exc, TransientError) else "provider timed out"
            # The retry window counts from when it was meant to go out.
            accepted_at = message.scheduled_for or message.created_at
            return await self._after_transient(
                message.id, attempt, reason, accepted_at, claimed=claimed
            )
        except PermanentError as exc:
            stop = None
            if isinstance(exc, RecipientOptedOut):
                stop = opt_outs.provider_stop(message.organisation_id, message.recipient)
            await self._finish(message.id, statuses.PERMANENT_FAILURE, exc.reason, also=stop)
            return Outcome("permanent failure")
        except Exception as exc:
            # A bug, not a provider answer: stop rather than risk sending twice.
            log.exception("unexpected error delivering message %s", message.id)
            await self._finish(message.id, statuses.TECHNICAL_FAILURE, type(exc).__name__)
            return Outcome("technical failure")
        await self._accepted(message.id, result)
        return Outcome(result.status)

    async def _after_transient(
        self, message_id: str, attempt: int, reason: str, accepted_at: datetime, *, claimed: bool
    ) -> Outcome:
        """Retry later, or give up. `claimed` False: it failed before the handover (e.g. no
        connection to the relay); the attempt still counts toward the limits."""
        delay = backoff(self.settings, attempt)
        window = timedelta(hours=self.settings.retry_window_hours)
        out_of_time = utcnow() + timedelta(seconds=delay) > accepted_at + window
        if attempt >= self.settings.max_attempts or out_of_time:
            over = f" over {self.settings.retry_window_hours:g} h" if out_of_time else ""
            await self._finish(
                message_id,
                statuses.TECHNICAL_FAILURE,
                f"gave up after {attempt} attempts{over}: {reason}",
                attempts=attempt,
            )
            return Outcome("retries exhausted")
        detail = f"{reason}; retry in {delay:.0f} s"
        due = utcnow() + timedelta(seconds=delay)
        if claimed:
            await self.transactions.run(
                transition,
                message_id,
                expected=statuses.SENDING,
                new=statuses.CREATED,
                source="worker",
                detail=detail,
                next_attempt_at=due,
                sending_started_at=None,
            )
        else:
            await self.transactions.run(
                note,
                message_id,
                status=statuses.CREATED,
                source="worker",
                detail=detail,
                next_attempt_at=due,
                attempts=attempt,
            )
        return Outcome("will retry", delay)

    async def _stop(self, message: Message, stop: tuple[str, str, str]) -> Outcome:
        status, detail, outcome = stop
        failure = "opted out" if status == statuses.PERMANENT_FAILURE else None
        await self.transactions.run(
            transition,
            message.id,
            expected=statuses.CREATED,
            new=status,
            source="worker",
            detail=detail,
            failure_reason=failure,
        )
        return Outcome(outcome)

    async def _without_withdrawn_partner(self, message: Message) -> Message:
        """Consent withdrawn since the message was made: send it without the partner block."""
        assert message.client_id and message.partner_id
        async with self.sessions() as session:
            if await consent.allows(session, message.client_id, consent.SHARE, message.partner_id):
                return message
            await session.execute(
                update(Message)
                .where(
                    Message.id == message.id,
                    Message.status == statuses.CREATED,
                    Message.partner_id == message.partner_id,
                )
                .values(
                    body=func.coalesce(Message.body_without_partner, Message.body),
                    partner_id=None,
                    body_without_partner=None,
                )
            )
            await session.commit()
            fresh = await session.get(Message, message.id, populate_existing=True)
        return fresh or message

    async def _accepted(self, message_id: str, result: SendResult) -> None:
        await self.transactions.run(_record_accepted, message_id, result)

    async def _finish(
        self,
        message_id: str,
        status: str,
        reason: str,
        *,
        also: Executable | None = None,
        **values: Any,
    ) -> None:
        """`also` is written in the same transaction, only by the run that moved the message."""
        await self.transactions.run(_record_finish, message_id, status, reason, also, **values)

    async def _recover(self, message: Message, now: datetime) -> Outcome:
        if message.provider_reference:
            return Outcome("with the provider; waiting for its receipt")
        started = message.sending_started_at or message.updated_at
        lease = timedelta(seconds=self.settings.send_lease_seconds)
        if now - started < lease:
            return Outcome("being sent by another run")
        from messenger.messages.recovery import recover_abandoned  # it builds on this module

        return await recover_abandoned(self, message)


def _load(conn: Connection, /, message_id: str) -> Loaded | None:
    """The message as it is, what the send needs of its organisation, whether something said
    since stops it, and a letter's own PDF: the first of the run's three transactions."""
    row = conn.execute(_LOAD, {"id": message_id}).first()
    if row is None:
        return None
    # A detached copy: the row as it was read, never written back.
    message = Message(**{key: row._mapping[column] for key, column in _MESSAGE_ATTRIBUTES})
    stop = pdf = None
    if message.status == statuses.CREATED:
        stop = _stopped(conn, message)
        if message.kind == "letter":
            pdf = made_elsewhere(conn, [message.id]).get(message.id)
    return Loaded(message, Letterhead(row.letterhead_sender, row.letterhead_logo), stop, pdf)


def _stopped(conn: Connection, message: Message) -> tuple[str, str, str] | None:
    """Whether something said since the message was made stops it: (status, history
    detail, outcome), or None. A STOP from the number fails an SMS; withdrawn consent
    for the channel cancels a plan's message, one made before the withdrawal included."""
    if message.kind == "sms" and opt_outs.opted_out_since(
        conn, message.organisation_id, message.recipient, message.created_at
    ):
        return (
            statuses.PERMANENT_FAILURE,
            "recipient opted out of text messages",
            "recipient opted out",
        )
    plan_message = message.case_id and message.client_id and message.kind in ("sms", "email")
    if plan_message and consent.withdrawn(conn, message.client_id or "", message.kind):
        return (
            statuses.CANCELLED,
            f"consent for {message.kind} withdrawn before sending",
            "consent withdrawn",
        )
    return None


def _record_accepted(conn: Connection, /, message_id: str, result: SendResult) -> None:
    values: dict[str, Any] = {"provider_reference": result.provider_reference, "sent_at": utcnow()}
    if result.status == statuses.SENDING:
        # Taken by the provider; its receipts move the message on (receipts.py).
        moved = note(
            conn, message_id, status=statuses.SENDING, source="worker", detail=result.detail,
            **values,
        )  # fmt: skip
    else:
        moved = transition(
            conn, message_id, expected=statuses.SENDING, new=result.status, source="worker",
            detail=result.detail, **values,
        )  # fmt: skip
    if not moved:
        # A receipt that came before this answer has already moved the message on; keep what
        # only this answer knows.
        conn.execute(
            update(Message)
            .where(Message.id == message_id, Message.sent_at.is_(None))
            .values(sent_at=values["sent_at"])
        )
        conn.execute(
            update(Message)
            .where(Message.id == message_id, Message.provider_reference.is_(None))
            .values(provider_reference=result.provider_reference)
        )


def _record_finish(
    conn: Connection,
    /,
    message_id: str,
    status: str,
    reason: str,
    also: Executable | None,
    **values: Any,
) -> None:
    # From `created` too: a channel may refuse before the handover.
    moved = transition(
        conn,
        message_id,
        expected=(statuses.CREATED, statuses.SENDING),
        new=status,
        source="worker",
        detail=reason,
        failure_reason=reason,
        **values,
    )
    if moved and also is not None:
        conn.execute(also)
