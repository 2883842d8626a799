"""The reconciler (a cron job): nothing waits forever (DESIGN.md §3).

- Every due `created` message is queued again. The job id is derived from the message id,
  so a message whose job still exists is not queued twice.
- Every message stuck in `sending` past the send lease is settled by `recover_abandoned`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from messenger import statuses
from messenger.delivery import Delivery, recover_abandoned
from messenger.models import Message, utcnow
from messenger.queue import DeliveryQueue

BATCH = 1000


@dataclass(frozen=True)
class ReconcileReport:
    requeued: int
    recovered: int


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
                .where(Message.status == statuses.SENDING, Message.sending_started_at < lease_start)
                .limit(BATCH)
            )
        )
    requeued = 0
    for message_id in due:
        requeued += await queue.enqueue(message_id)
    for message in stuck:
        await recover_abandoned(delivery, message)
    return ReconcileReport(requeued=requeued, recovered=len(stuck))
