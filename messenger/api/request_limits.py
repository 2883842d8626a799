"""Request limits, shared by every API process through Redis.

- Per API key: `api_requests_per_minute` (Notify's 3,000), as a token bucket, so a burst of
  a minute's worth passes and then the steady rate.
- Per client address: `auth_failures_per_minute` failed sign-ins. Past that, the address
  gets 429 before its token is even looked at, so guessing keys costs no database work.
- Per organisation and channel: `daily_limit_{sms,email,letter}` messages a Brussels day, as
  Notify's daily limits. Checked before a send, counted once it is accepted.

When Redis is away, or gives no answer within 5 s, the request passes: the database, not
Redis, guards what is sent, and refusing all work because a limiter is away would be worse.
The wait is generous on purpose: a busy API must not skip its limits just because its own
event loop was slow to come back to the answer.
Buckets are named after the queue, so deployments sharing one Redis keep their own.
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import datetime, time, timedelta
from typing import Any

from redis.exceptions import RedisError

from messenger.messages.rate_limit import RateLimiter
from messenger.platform.dates import BRUSSELS
from messenger.platform.models import ApiKey
from messenger.platform.settings import Settings

log = logging.getLogger(__name__)
REDIS_TIMEOUT_SECONDS = 5.0
DAY_KEY_SECONDS = 2 * 24 * 3600  # a day's count outlives its day, then goes


class TooManyRequests(Exception):
    """A 429 in Notify's shape, with Retry-After."""

    def __init__(self, error: str, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.retry_after = max(1, math.ceil(retry_after))


class RequestLimits:
    def __init__(self, redis: Any, settings: Settings) -> None:
        self.per_minute = settings.api_requests_per_minute
        self.namespace = settings.queue_name
        self.requests = RateLimiter(
            redis, per_second=self.per_minute / 60, burst=self.per_minute, max_wait=0
        )
        self.redis = redis
        self.daily = {
            "sms": settings.daily_limit_sms,
            "email": settings.daily_limit_email,
            "letter": settings.daily_limit_letter,
        }
        self.failures = RateLimiter(
            redis,
            per_second=settings.auth_failures_per_minute / 60,
            burst=settings.auth_failures_per_minute,
            max_wait=0,
        )

    async def before_sign_in(self, address: str) -> None:
        """Refuse an address that has used up its failed sign-ins, before any database work."""
        self._refuse_address(await _ask(self.failures.peek(self._address_key(address))))

    async def failed_sign_in(self, address: str) -> None:
        """Spend one failure; past the budget, this failure answers 429 instead of 403
        (failures in flight at once all passed `before_sign_in`)."""
        self._refuse_address(await _ask(self.failures.reserve(self._address_key(address))))

    def _address_key(self, address: str) -> str:
        return f"{self.namespace}:auth-failures:{address}"

    @staticmethod
    def _refuse_address(answer: tuple[bool, float] | None) -> None:
        if answer is not None and not answer[0]:
            raise TooManyRequests(
                "TooManyRequestsError",
                "Too many failed sign-ins from this address; try again later",
                answer[1],
            )

    async def request(self, key: ApiKey) -> None:
        """Count one request against the key's rate; 429 when it is spent."""
        answer = await _ask(self.requests.reserve(f"{self.namespace}:api-key:{key.id}"))
        if answer is not None and not answer[0]:
            raise TooManyRequests(
                "RateLimitError",
                f"Exceeded rate limit for key type {key.key_type.upper()} of "
                f"{self.per_minute} requests per 60 seconds",
                answer[1],
            )

    def _day_key(self, key: ApiKey, kind: str, now: datetime) -> str:
        day = now.astimezone(BRUSSELS).date().isoformat()
        return f"{self.namespace}:daily:{key.organisation_id}:{kind}:{day}"

    async def before_send(self, key: ApiKey, kind: str, now: datetime) -> None:
        """429 when the organisation has sent its day's messages on this channel."""
        if key.key_type == "test":
            return
        sent = await _redis(self.redis.get(self._day_key(key, kind, now)))
        limit = self.daily[kind]
        if sent is not None and int(sent) >= limit:
            local = now.astimezone(BRUSSELS)
            midnight = datetime.combine(local.date() + timedelta(days=1), time(), BRUSSELS)
            raise TooManyRequests(
                "TooManyRequestsError",
                f"Exceeded send limits ({limit}) for today",
                (midnight - local).total_seconds(),
            )

    async def remaining(self, key: ApiKey, kind: str, now: datetime) -> int | None:
        """What is left of the organisation's day on this channel; None when unlimited (a test
        key) or unknown (Redis did not answer)."""
        if key.key_type == "test":
            return None
        sent = await _redis(self.redis.get(self._day_key(key, kind, now)))
        return max(0, self.daily[kind] - int(sent or 0))

    async def sent(self, key: ApiKey, kind: str, now: datetime, count: int = 1) -> None:
        """Count accepted messages toward the day."""
        if key.key_type == "test":
            return
        day_key = self._day_key(key, kind, now)
        await _redis(self._count(day_key, count))

    async def _count(self, day_key: str, count: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(day_key, count)
            pipe.expire(day_key, DAY_KEY_SECONDS)
            await pipe.execute()


async def _redis(call: Any) -> Any:
    """Redis's answer, or None (pass) when it does not give one in time."""
    try:
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
            return await call
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("daily limits skipped: Redis did not answer (%s)", type(exc).__name__)
        return None


async def _ask(call: Any) -> tuple[bool, float] | None:
    """The limiter's answer, or None (pass) when Redis does not give one in time."""
    try:
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
            answer: tuple[bool, float] = await call
            return answer
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("request limits skipped: Redis did not answer (%s)", type(exc).__name__)
        return None
