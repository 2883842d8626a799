"""Fault: the worker is killed with SIGKILL in the middle of a batch of emails to a slow
relay, then started again. Nothing is lost (every message reaches a final state), nothing is
sent twice (each Message-ID at most once at the relay), and the ones caught mid-send are
settled by the reconciler instead of being resent blindly."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import func, select

from messenger.messages import statuses
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.models import Message
from messenger.platform.settings import Settings
from tests.fakes.smtp_server import FakeSmtpServer
from tests.faults.support import start_worker
from tests.support import Tenant, email_body

BATCH = 40
DEADLINE = 120.0
MESSAGE_ID = re.compile(rb"^Message-ID: <([^@>]+)@", re.MULTILINE | re.IGNORECASE)


async def until(check: object, what: str, timeout: float = DEADLINE) -> None:
    started = time.monotonic()
    while not await check():  # type: ignore[operator]
        assert time.monotonic() - started < timeout, what
        await asyncio.sleep(0.1)


async def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(
    office: tuple[Tenant, str], fault_settings: Settings, tmp_path: Path
) -> None:
    tenant, base_url = office
    async with FakeSmtpServer() as relay:
        relay.data_delay = 0.2  # a slow relay: sends are in flight when the worker dies
        settings = fault_settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": relay.port,
                "smtp_security": "none",
                "send_timeout_seconds": 2,
            }
        )
        env = {
            "MESSENGER_SMTP_HOST": "127.0.0.1",
            "MESSENGER_SMTP_PORT": str(relay.port),
            "MESSENGER_SMTP_SECURITY": "none",
            "MESSENGER_SEND_TIMEOUT_SECONDS": "2",
        }
        log = tmp_path / "worker.log"
        worker = start_worker(settings, log, env)
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            ids = []
            for n in range(BATCH):
                body = email_body(email_address=f"client{n}@example.be")
                response = await http.post(
                    "/v2/notifications/email", json=body, headers=tenant.headers()
                )
                assert response.status_code == 201, response.text
                ids.append(response.json()["id"])

        async def some_out() -> bool:
            return len(relay.envelopes) >= BATCH // 4

        await until(some_out, "the relay got a quarter of the batch")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        at_kill = len(relay.envelopes)
        worker = start_worker(settings, log, env)
        try:
            engine = create_engine(settings.database)

            async def all_final() -> bool:
                async with create_sessions(engine)() as session:
                    moving = await session.scalar(
                        select(func.count())
                        .select_from(Message)
                        .where(Message.id.in_(ids), Message.status.in_(statuses.IN_FLIGHT))
                    )
                return not moving

            await until(all_final, "every message final")
            seconds = time.monotonic() - started
            async with create_sessions(engine)() as session:
                found = dict(
                    (
                        await session.execute(
                            select(Message.status, func.count())
                            .where(Message.id.in_(ids))
                            .group_by(Message.status)
                        )
                    ).all()
                )
            await engine.dispose()
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        at_relay = Counter(
            m.group(1).decode() for e in relay.envelopes if (m := MESSAGE_ID.search(e.content))
        )
    duplicates = sum(count - 1 for count in at_relay.values() if count > 1)
    interrupted = found.get(statuses.TECHNICAL_FAILURE, 0)
    assert sum(found.values()) == BATCH  # nothing lost
    assert set(found) <= {statuses.SENT, statuses.TECHNICAL_FAILURE}
    assert duplicates == 0, at_relay.most_common(3)
    # Those caught mid-send are settled, not resent: at most the sends in flight at the kill.
    assert interrupted <= 20, found
    print(
        f"SIGKILL after {at_kill} of {BATCH} at the relay: 0 lost, {duplicates} duplicates, "
        f"{interrupted} settled as technical-failure, all final after {seconds:.0f} s"
    )
