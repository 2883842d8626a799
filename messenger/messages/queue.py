"""The queue side of arq: connecting and enqueueing. The only messenger module that knows arq.

Redis only carries work; the database says what is due. A lost enqueue is
therefore harmless: the reconciler queues every due message again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

DELIVER_JOB = "deliver"
RECONCILE_JOB = "reconcile"
CALLBACK_JOB = "send-callback"
CALLBACKS_DUE_JOB = "callbacks-due"


def delivery_job_id(message_id: str) -> str:
    """One job id per message: arq refuses a second job while the first one exists."""
    return f"deliver:{message_id}"


def callback_job_id(delivery_id: int) -> str:
    """One job id per callback delivery, as for messages."""
    return f"callback:{delivery_id}"


def redis_settings(url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    # A dropped connection is retried instead of crashing the worker.
    settings.retry_on_error = [RedisConnectionError, RedisTimeoutError]
    settings.retry_on_timeout = True
    settings.conn_retries = 10
    settings.conn_timeout = 5
    return settings


class DeliveryQueue:
    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self.redis = redis
        self.queue_name = queue_name

    @classmethod
    async def connect(cls, url: str, queue_name: str) -> DeliveryQueue:
        return cls(await create_pool(redis_settings(url)), queue_name)

    async def enqueue(self, message_id: str, *, not_before: datetime | None = None) -> bool:
        """Queue delivery of a message; False if a job already exists or Redis is away."""
        try:
            job = await self.redis.enqueue_job(
                DELIVER_JOB,
                message_id,
                _job_id=delivery_job_id(message_id),
                _queue_name=self.queue_name,
                _defer_until=not_before,
            )
        except (RedisError, OSError) as exc:
            log.warning("enqueue failed for message %s: %s", message_id, type(exc).__name__)
            return False
        return job is not None

    async def enqueue_callback(self, delivery_id: int) -> bool:
        """Queue one callback delivery (callback_sending.py); False if its job exists or
        Redis is away: the callbacks cron finds it again."""
        try:
            job = await self.redis.enqueue_job(
                CALLBACK_JOB,
                delivery_id,
                _job_id=callback_job_id(delivery_id),
                _queue_name=self.queue_name,
            )
        except (RedisError, OSError) as exc:
            log.warning("enqueue failed for callback %s: %s", delivery_id, type(exc).__name__)
            return False
        return job is not None

    async def close(self) -> None:
        await self.redis.aclose()
