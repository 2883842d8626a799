"""Fault: Redis restarts under a running `messenger worker` (a real process). The worker rides
it out by itself, every message is delivered once, and SIGTERM still stops it cleanly."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from messenger.messages import statuses
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.models import Message
from messenger.platform.settings import Settings
from tests.faults.support import Redis, final, send, start_worker, wait_for_line
from tests.support import Tenant


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
                ).all()
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
