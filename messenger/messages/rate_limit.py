"""A per-sender rate limit shared by every worker: a GCRA token bucket in Redis.

Each call reserves the next free slot for one message and says how long to wait for it.
`peek` answers the same question without reserving (a budget spent only on failures).
Reservations further ahead than `max_wait` are not made: the job comes back later instead
of holding a worker slot, and nothing is reserved that would go unused.
Redis's own clock is used, so workers on several machines agree.
"""

from __future__ import annotations

from typing import Any

# KEYS[1]: bucket; ARGV: interval (µs), burst, max wait (µs), 1 to reserve or 0 to only look.
# Returns the wait in µs, or -(wait) when the slot is too far ahead and was not reserved.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now - (burst - 1) * interval
if wait < 0 then wait = 0 end
if wait > max_wait then return -wait end
if ARGV[4] == '0' then return wait end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil((tat + interval - now) / 1000) + 1000)
return wait
"""


class RateLimiter:
    def __init__(
        self, redis: Any, *, per_second: float, burst: int = 1, max_wait: float = 5.0
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self._redis = redis
        self._interval_us = int(1_000_000 / per_second)
        self._burst = max(1, burst)
        self._max_wait_us = int(max_wait * 1_000_000)
        self._script = redis.register_script(_GCRA)

    async def reserve(self, key: str) -> tuple[bool, float]:
        """(True, wait): a slot is yours after `wait` seconds. (False, wait): try again then."""
        return await self._call(key, reserve=True)

    async def peek(self, key: str) -> tuple[bool, float]:
        """What `reserve` would answer, reserving nothing."""
        return await self._call(key, reserve=False)

    async def _call(self, key: str, *, reserve: bool) -> tuple[bool, float]:
        answer = int(
            await self._script(
                keys=[f"messenger:rate:{key}"],
                args=[self._interval_us, self._burst, self._max_wait_us, int(reserve)],
            )
        )
        return answer >= 0, abs(answer) / 1_000_000
