"""The reconciler (a cron job): nothing waits forever.

- Every due `created` message is queued again. The job id is derived from the message id,
  so a message whose job still exists is not queued twice.
- Every message stuck in `sending` past the send lease, without a provider reference, is
  settled by `recover_abandoned`.
- Every SMS or email the provider took but never sent a receipt for within the receipt
  timeout becomes `temporary-failure`, as Notify does. Letters wait in print batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from messenger.messages import statuses
from messenger.messages.delivery import Delivery
from messenger.messages.lifecycle import transition
from messenger.messages.queue import DeliveryQueue
from messenger.messages.recovery import recover_abandoned
from messenger.platform.models import Message, utcnow

BATCH = 1000


@dataclass(frozen=True)
class ReconcileReport:
    requeued: int
    recovered: int
    timed_out: int = 0


async def reconcile(
    delivery: Delivery, queue: DeliveryQueue, *, now: datetime | None = None
) -> ReconcileReport:
    now = now or utcnow()
    lease_start = now - timedelta(seconds=delivery.settings.send_lease_seconds)
    async with delivery.sessions() as session:
        due = list(
            await session.scalars(
                select(Message.id)
                .where(
                    Message.status == statuses.CREATED,
                    or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
                )
                .order_by(Message.created_at)
                .limit(BATCH)
            )
        )
        stuck = list(
            await session.scalars(
                select(Message)
                .where(
                    Message.status == statuses.SENDING,
                    Message.provider_reference.is_(None),
                    Message.sending_started_at < lease_start,
                )
                .limit(BATCH)
            )
        )
        receipt_deadline = now - timedelta(hours=delivery.settings.receipt_timeout_hours)
        silent = list(
            await session.scalars(
                select(Message.id)
                .where(
                    Message.status == statuses.SENDING,
                    Message.kind.in_(("sms", "email")),
                    Message.provider_reference.is_not(None),
                    Message.sending_started_at < receipt_deadline,
                )
                .limit(BATCH)
            )
        )
        for message_id in silent:
            await session.run_sync(
                transition,
                message_id,
                expected=statuses.SENDING,
                new=statuses.TEMPORARY_FAILURE,
                source="reconciler",
                detail="no receipt from the provider in time",
                failure_reason="no receipt",
            )
        await session.commit()
    requeued = 0
    for message_id in due:
        requeued += await queue.enqueue(message_id)
    for message in stuck:
        await recover_abandoned(delivery, message)
    return ReconcileReport(requeued=requeued, recovered=len(stuck), timed_out=len(silent))
