"""Database engine and sessions: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

Sessions = async_sessionmaker[AsyncSession]
# Where a statement runs: an ORM session, or a plain connection where the ORM's unit of work
# would cost more than the SQL (the worker's send path).
Db = AsyncSession | AsyncConnection
# The same, inside a transaction that runs in one step (`Transactions`, `run_sync`).
SyncDb = Session | Connection
P = ParamSpec("P")
T = TypeVar("T")
# The API and the worker share the file: a busy timeout instead of "database is locked".
SQLITE_BUSY_SECONDS = 30
# Connections a process keeps open to PostgreSQL: as many as a worker runs sends at once (its
# max_jobs, 20 by default). With SQLAlchemy's 5, every send beyond the fifth opened a new
# connection and closed it again (issue 16). A few more for bursts; a process holds at most 25,
# so four processes stay within PostgreSQL's default of 100.
POSTGRES_POOL = 20
POSTGRES_OVERFLOW = 5


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    # hide_parameters: an error's text never carries a statement's values (names, numbers).
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(
            url,
            pool_pre_ping=True,
            pool_size=POSTGRES_POOL,
            max_overflow=POSTGRES_OVERFLOW,
            hide_parameters=True,
        )
    if parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, hide_parameters=True
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one process writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_sessions(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, expire_on_commit=False)


def engine_of(sessions: Sessions) -> AsyncEngine:
    """The engine a session factory is bound to, for plain connections beside its sessions."""
    bound = sessions.kw["bind"]
    assert isinstance(bound, AsyncEngine)
    return bound


class Transactions:
    """Runs a transaction written as a plain function, `fn(connection, *args)`, in one step.

    On SQLite the whole function runs on one thread of its own with the standard sqlite3
    driver. aiosqlite hands every call (cursor, execute, fetch, commit, rollback) to its
    connection's thread and back: with 20 sends in flight, a two-statement transaction cost
    1.4 ms of CPU that way, 0.35 ms this way (issue 16). One thread: SQLite takes one writer
    at a time anyway. On PostgreSQL (asyncpg, natively async) it runs on the async engine.

    A caller that is cancelled does not stop a transaction that has begun on the thread: it
    commits or rolls back as a whole, as if the caller had not been cancelled.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sync: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        if engine.dialect.name == "sqlite":
            url = engine.url.set(drivername="sqlite")
            self._sync = sqlalchemy.create_engine(
                url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, hide_parameters=True
            )
            event.listen(self._sync, "connect", _sqlite_pragmas)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="messenger-sqlite")

    async def run(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if self._sync is None or self._thread is None:
            async with self.engine.begin() as conn:
                return await conn.run_sync(fn, *args, **kwargs)
        call = functools.partial(_in_transaction, self._sync, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    async def aclose(self) -> None:
        """Close the thread's connections on the thread that made them (sqlite3 insists)."""
        if self._sync is not None and self._thread is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._sync.dispose)
            self._thread.shutdown(wait=False)
            self._sync = self._thread = None


def _in_transaction(
    engine: Engine, fn: Callable[Concatenate[Connection, P], T], *args: Any, **kwargs: Any
) -> T:
    with engine.begin() as conn:
        return fn(conn, *args, **kwargs)
