"""Fixtures of the fault tests: a Redis of their own, a file database, and the API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from messenger.cli.runner import running_api, server_url
from messenger.platform import migrate
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.faults.support import Redis
from tests.support import Tenant


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
