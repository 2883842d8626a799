"""Alembic migrations on SQLite and PostgreSQL: they build the models' schema exactly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from messenger.casework.organisations import create_organisation
from messenger.platform import migrate
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.models import Base

MODEL_TABLES = set(Base.metadata.tables)


async def _wipe(engine: AsyncEngine) -> None:
    """Start from an empty database (the PostgreSQL test database is throwaway)."""
    if engine.dialect.name != "postgresql":
        return  # a fresh SQLite file per test
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await _wipe(engine)
    yield engine
    # Leave PostgreSQL migrated for the tests that share it.
    if engine.dialect.name == "postgresql":
        await _wipe(engine)
        await migrate.upgrade(engine)
    await engine.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def _head() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


def _differences(sync: Connection) -> list[Any]:
    context = MigrationContext.configure(
        sync, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_creates_every_table(engine: AsyncEngine) -> None:
    assert not (await _tables(engine)) & MODEL_TABLES
    await migrate.upgrade(engine)
    assert await _tables(engine) >= MODEL_TABLES | {"alembic_version"}
    assert await _revision(engine) == _head()


async def test_upgrade_twice_is_a_no_op(engine: AsyncEngine) -> None:
    await migrate.upgrade(engine)
    async with create_sessions(engine)() as session:
        await create_organisation(session, "OCMW Gent")
        await session.commit()
    tables = await _tables(engine)
    await migrate.upgrade(engine)
    assert await _tables(engine) == tables
    assert await _revision(engine) == _head()
    async with engine.connect() as connection:
        names = (await connection.execute(text("SELECT name FROM organisations"))).scalars()
        assert list(names) == ["OCMW Gent"]


async def test_downgrade_to_base_drops_every_table(engine: AsyncEngine) -> None:
    await migrate.upgrade(engine)
    await migrate.downgrade(engine, "base")
    assert not (await _tables(engine)) & MODEL_TABLES
    assert await _revision(engine) is None
    # And back up again: the downgrade left nothing in the way.
    await migrate.upgrade(engine)
    assert await _tables(engine) >= MODEL_TABLES


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    await migrate.upgrade(engine)
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == [], "models changed without a migration: " + repr(differences)


async def test_models_changed_without_migration_are_detected(engine: AsyncEngine) -> None:
    """The comparison above can fail: a table missing from the database is reported."""
    await migrate.upgrade(engine)
    async with engine.begin() as connection:
        # A table nothing else points at, so PostgreSQL lets it go without CASCADE.
        await connection.execute(text("DROP TABLE opt_out_records"))
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    # The missing table and its index; nothing else.
    assert {d[0] for d in differences} == {"add_table", "add_index"}
    assert {d[1].table.name if d[0] == "add_index" else d[1].name for d in differences} == {
        "opt_out_records"
    }


async def test_indexes_and_unique_constraints_exist(engine: AsyncEngine) -> None:
    await migrate.upgrade(engine)

    def read(sync: Connection) -> tuple[set[str], list[list[str]]]:
        inspector = inspect(sync)
        indexes = {i["name"] for i in inspector.get_indexes("messages") if i["name"]}
        uniques = [list(u["column_names"]) for u in inspector.get_unique_constraints("messages")]
        return indexes, uniques

    async with engine.connect() as connection:
        indexes, uniques = await connection.run_sync(read)
    assert {"ix_messages_org_created", "ix_messages_status_due", "ix_messages_reference"} <= (
        indexes
    )
    assert ["organisation_id", "idempotency_key"] in uniques


async def test_a_case_list_finds_known_clients_by_email_on_an_index(engine: AsyncEngine) -> None:
    """0016: clients by organisation and email, as by organisation and phone; the look-up a
    case list makes uses it (on SQLite, without it every client was read)."""
    await migrate.upgrade(engine)

    def indexes(sync: Connection) -> dict[str, list[str | None]]:
        return {
            i["name"]: i["column_names"] for i in inspect(sync).get_indexes("clients") if i["name"]
        }

    async with engine.connect() as connection:
        found = await connection.run_sync(indexes)
        assert found["ix_clients_org_email"] == ["organisation_id", "email"]
        assert found["ix_clients_org_phone"] == ["organisation_id", "phone_number"]
        if engine.dialect.name == "sqlite":
            plan = await connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM clients "
                    "WHERE organisation_id = 'o' AND email IN ('a@example.be', 'b@example.be')"
                )
            )
            assert "ix_clients_org_email" in " ".join(str(row[-1]) for row in plan)
    await migrate.downgrade(engine, "0015")
    async with engine.connect() as connection:
        assert "ix_clients_org_email" not in await connection.run_sync(indexes)


async def test_an_organisations_sms_number_becomes_its_default_sender_and_back(
    engine: AsyncEngine,
) -> None:
    await migrate.upgrade(engine, "0008")
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO organisations (id, name, created_at, sms_sender, letter_logo, "
                "open_weekdays, working_weekdays, closed_days) VALUES ('org-1', 'OCMW Gent', "
                "CURRENT_TIMESTAMP, '+32460000001', false, '[]', '[]', '[]')"
            )
        )
    await migrate.upgrade(engine, "0009")
    async with engine.connect() as connection:
        query = text("SELECT organisation_id, kind, value, is_default FROM senders")
        rows = (await connection.execute(query)).all()
    assert [tuple(r) for r in rows] == [("org-1", "sms", "+32460000001", True)]
    await migrate.downgrade(engine, "0008")
    async with engine.connect() as connection:
        number = await connection.scalar(text("SELECT sms_sender FROM organisations"))
    assert number == "+32460000001"
