"""db.Transactions: a transaction written as a plain function runs as a whole, on SQLite on
one thread of its own (one hand-off instead of one per call), elsewhere on the async engine."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Connection, func, insert, select

from messenger.platform.db import Sessions, Transactions, engine_of
from messenger.platform.models import Organisation, utcnow


def _add(conn: Connection, /, name: str, *, fail: bool = False) -> str:
    conn.execute(insert(Organisation).values(id=name, name=name, created_at=utcnow()))
    if fail:
        raise RuntimeError("half-way")
    return threading.current_thread().name


def _count(conn: Connection, /, name: str) -> int:
    return int(conn.scalar(select(func.count()).where(Organisation.id == name)) or 0)


async def test_a_function_runs_as_one_transaction(sessions: Sessions) -> None:
    engine = engine_of(sessions)
    transactions = Transactions(engine)
    try:
        thread = await transactions.run(_add, "org-kept")
        with pytest.raises(RuntimeError, match="half-way"):
            await transactions.run(_add, "org-rolled-back", fail=True)

        assert await transactions.run(_count, "org-kept") == 1
        assert await transactions.run(_count, "org-rolled-back") == 0
        # What it wrote is there for the async engine too (the API's sessions).
        async with sessions() as session:
            assert await session.get(Organisation, "org-kept") is not None
        on_sqlite = engine.dialect.name == "sqlite"
        assert thread.startswith("messenger-sqlite") == on_sqlite
    finally:
        await transactions.aclose()
    # Closed: the thread and its connections are gone; a late caller uses the async engine.
    assert await transactions.run(_count, "org-kept") == 1
