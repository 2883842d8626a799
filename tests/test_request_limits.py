"""Request limits under load, through real API servers sharing one Redis.

A key's rate (Notify's 3,000 a minute, here set to 100) holds across two API processes, and
an address that keeps failing to sign in gets 429s instead of 403s. Both answer in Notify's
error shape with Retry-After, and nothing answers 5xx.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter

import httpx
import pytest
from redis.asyncio import Redis

from messenger.api.request_limits import RequestLimits
from messenger.cli.runner import free_port, running_api, server_url
from messenger.platform.settings import Settings
from tests.support import Tenant

CONCURRENCY = 50


async def hammer(urls: list[str], count: int, headers: object) -> tuple[Counter[int], float]:
    """`count` GETs spread over `urls`, CONCURRENCY at a time: the statuses and the seconds."""
    statuses: Counter[int] = Counter()
    gate = asyncio.Semaphore(CONCURRENCY)
    clients = [httpx.AsyncClient(base_url=url, timeout=30) for url in urls]

    async def one(n: int) -> None:
        async with gate:
            made = headers() if callable(headers) else headers
            response = await clients[n % len(clients)].get("/v2/notifications", headers=made)
            statuses[response.status_code] += 1
            if response.status_code == 429:
                assert int(response.headers["Retry-After"]) >= 1
                assert response.json()["status_code"] == 429

    started = time.monotonic()
    try:
        await asyncio.gather(*(one(n) for n in range(count)))
    finally:
        for client in clients:
            await client.aclose()
    return statuses, time.monotonic() - started


async def test_a_keys_rate_holds_across_two_api_processes(
    settings: Settings, tenant: Tenant, redis_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    limited = settings.model_copy(update={"api_requests_per_minute": 100})
    async with running_api(limited, redis_server) as one, running_api(limited, redis_server) as two:
        statuses, seconds = await hammer(
            [server_url(one), server_url(two)], 400, lambda: tenant.headers()
        )
    assert set(statuses) == {200, 429}, statuses
    assert "request limits skipped" not in caplog.text  # Redis answered every time
    # The burst of a minute's worth, plus what the bucket refilled while the test ran.
    refilled = math.ceil(seconds * 100 / 60) + 1
    assert 100 <= statuses[200] <= 100 + refilled, (statuses, seconds)
    print(f"rate limit 100/min over 2 APIs: {dict(statuses)} in {seconds:.1f} s")


async def test_the_rate_limit_answers_in_notifys_shape(
    settings: Settings, tenant: Tenant, redis_server: str
) -> None:
    limited = settings.model_copy(update={"api_requests_per_minute": 1})
    async with (
        running_api(limited, redis_server) as server,
        httpx.AsyncClient(base_url=server_url(server)) as http,
    ):
        first = await http.get("/v2/notifications", headers=tenant.headers())
        second = await http.get("/v2/notifications", headers=tenant.headers())
    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json() == {
        "status_code": 429,
        "errors": [
            {
                "error": "RateLimitError",
                "message": "Exceeded rate limit for key type LIVE of 1 requests per 60 seconds",
            }
        ],
    }
    assert 55 <= int(second.headers["Retry-After"]) <= 60


async def test_failed_sign_ins_are_throttled_per_address(
    settings: Settings, tenant: Tenant, redis_server: str
) -> None:
    # The shipped default: 30 failures a minute per address.
    assert settings.auth_failures_per_minute == 30
    forged = {"Authorization": f"Bearer {tenant.token(secret='not-the-secret-' * 3)}"}
    async with running_api(settings, redis_server) as server:
        statuses, seconds = await hammer([server_url(server)], 1000, forged)
    assert set(statuses) == {403, 429}, statuses
    refilled = math.ceil(seconds * 30 / 60) + 1
    assert 30 <= statuses[403] <= 30 + refilled, (statuses, seconds)
    print(f"1,000 forged tokens: {dict(statuses)} in {seconds:.1f} s")


async def test_the_right_key_from_a_throttled_address_waits_too(
    settings: Settings, tenant: Tenant, redis_server: str
) -> None:
    """One failure a minute here, so the budget cannot refill while the test runs."""
    tight = settings.model_copy(update={"auth_failures_per_minute": 1})
    forged = {"Authorization": f"Bearer {tenant.token(secret='not-the-secret-' * 3)}"}
    async with (
        running_api(tight, redis_server) as server,
        httpx.AsyncClient(base_url=server_url(server)) as http,
    ):
        first = await http.get("/v2/notifications", headers=forged)
        second = await http.get("/v2/notifications", headers=forged)
        blocked = await http.get("/v2/notifications", headers=tenant.headers())
    assert (first.status_code, second.status_code, blocked.status_code) == (403, 429, 429)
    assert blocked.json()["errors"][0]["error"] == "TooManyRequestsError"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60


async def test_limits_let_requests_pass_when_redis_does_not_answer(settings: Settings) -> None:
    """Redis away: the limiter steps aside within its timeout instead of failing requests."""
    redis = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    limits = RequestLimits(redis, settings)
    started = time.monotonic()
    try:
        await limits.before_sign_in("192.0.2.1")
        await limits.failed_sign_in("192.0.2.1")
    finally:
        await redis.aclose()
    assert time.monotonic() - started < 5
