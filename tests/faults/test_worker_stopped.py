"""Fault: the worker is stopped (SIGTERM, as systemd and `docker stop` do) while a slow relay
holds sends in DATA, and its grace for running jobs is shorter than the relay.

arq cancels the jobs still running when the grace is over. A send the relay already has is
finished and recorded all the same, not left `sending` for a person to settle; a job short of
the handover is handed back (`created`) and goes out once a worker runs again. Each email
reaches the relay once.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from messenger.messages import statuses
from messenger.platform.settings import Settings
from tests.fakes.smtp_server import FakeSmtpServer
from tests.faults.support import (
    at_relay,
    final,
    provider_env,
    send,
    start_worker,
    status_counts,
    stop_worker,
)
from tests.support import Tenant

BATCH = 12
SLOW = 3.0  # seconds the relay takes to answer DATA: longer than the grace below
DEADLINE = 60.0


async def test_a_stopped_worker_records_what_the_relay_took_and_hands_back_the_rest(
    office: tuple[Tenant, str], fault_settings: Settings, tmp_path: Path
) -> None:
    tenant, base_url = office
    log = tmp_path / "worker.log"
    async with FakeSmtpServer() as relay:
        relay.data_delay = SLOW
        env = provider_env(smtp_port=relay.port) | {
            "MESSENGER_SEND_TIMEOUT_SECONDS": "20",
            "MESSENGER_WORKER_STOP_GRACE_SECONDS": "0.2",
        }
        worker = start_worker(fault_settings, log, env)
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            ids = await send(http, tenant, BATCH, "email")
        while relay.data_started == 0:
            assert time.monotonic() - started < DEADLINE, log.read_text()
            await asyncio.sleep(0.05)
        assert await asyncio.to_thread(stop_worker, worker) == 0, log.read_text()
        taken = len(relay.envelopes)
        at_stop = await status_counts(fault_settings, ids)

        worker = start_worker(fault_settings, log, env)
        try:
            await final(fault_settings, ids, time.monotonic(), DEADLINE)
            found = await status_counts(fault_settings, ids)
        finally:
            assert stop_worker(worker) == 0, log.read_text()
        per_address = at_relay(relay)

    # What the relay took is `sent`; nothing is left `sending` or written off.
    assert taken >= 1
    assert at_stop == {statuses.SENT: taken, statuses.CREATED: BATCH - taken}, at_stop
    assert found == {statuses.SENT: BATCH}, found
    assert sorted(per_address.values()) == [1] * BATCH, per_address.most_common(3)
    print(f"SIGTERM with {taken} of {BATCH} in DATA: those recorded sent, the rest sent after")
