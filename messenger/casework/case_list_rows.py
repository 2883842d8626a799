"""The rows a case list adds, gathered in memory and stored with one bulk insert per table:
new clients, consent records, cases, their reminders, and a task for every client nobody can
reach (in that order, for the foreign keys).

Every value is set here, defaults included. The new clients and cases are ORM objects built
as a query builds the ones it loads (`as_stored`): reading and setting attributes through
the ORM's constructor costs ten times as much, thousands of times over. Once stored they are
what a query would return after the session let go of them: detached, with their identity.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import Table, insert
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from messenger.casework.case_import_report import ImportedClient
from messenger.casework.cases import CaseData
from messenger.casework.inbox import TASK_KINDS
from messenger.platform.models import (
    Base,
    Case,
    Client,
    ConsentRecord,
    LacSession,
    Reminder,
    StaffMember,
    Task,
    utcnow,
)

Fingerprint = Callable[[str], str]
UNREACHABLE = "unreachable"  # the task for a client nobody can reach
M = TypeVar("M", bound=Base)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_COLUMNS: dict[type[Base], tuple[str, ...]] = {}


def columns_of(model: type[Base]) -> tuple[str, ...]:
    if model not in _COLUMNS:
        _COLUMNS[model] = tuple(column.key for column in _table(model).columns)
    return _COLUMNS[model]


def as_stored(model: type[M], values: dict[str, Any]) -> M:
    """An ORM object holding `values` (every column), built as the ORM builds one it loads."""
    instance: M = manager_of_class(model).new_instance()
    instance.__dict__.update(values)
    return instance


def plain(instance: Base) -> Any:
    """A plain copy of an ORM object's columns, for rules that read them many times over
    (a plain attribute costs a fraction of an ORM one)."""
    loaded = instance.__dict__
    return SimpleNamespace(
        **{
            key: loaded[key] if key in loaded else getattr(instance, key)
            for key in columns_of(type(instance))
        }
    )


class Ids:
    """New ids as models.new_id makes them (random UUIDs, version 4), from one read of the
    system's random source per thousand instead of one each."""

    BATCH = 1000

    def __init__(self) -> None:
        self._ready: list[str] = []

    def next(self) -> str:
        if not self._ready:
            digits = os.urandom(16 * self.BATCH).hex()
            self._ready = [
                f"{digits[i : i + 8]}-{digits[i + 8 : i + 12]}-4{digits[i + 13 : i + 16]}-"
                f"{'89ab'[int(digits[i + 16], 16) & 3]}{digits[i + 17 : i + 20]}-"
                f"{digits[i + 20 : i + 32]}"
                for i in range(0, 32 * self.BATCH, 32)
            ]
        return self._ready.pop()


class Stamps:
    """One UTC time per row, each later than the one before: the cases, sorted by when they
    were made, keep the list's order."""

    def __init__(self) -> None:
        self._last: datetime | None = None

    def next(self) -> datetime:
        now = utcnow()
        if self._last is not None and now <= self._last:
            now = self._last + timedelta(microseconds=1)
        self._last = now
        return now


def unstored(model: type[Base], **values: Any) -> Any:
    """A plain object with a model's columns, as an object made and never stored has them:
    the given values, None for the rest."""
    return SimpleNamespace(**(dict.fromkeys(columns_of(model)) | values))


def check_worker(
    staff: dict[str, StaffMember], organisation_id: str, worker_id: str | None
) -> None:
    """cases.add_case's check of the worker a case names, on the staff read for the list."""
    if worker_id is None:
        return
    worker = staff.get(worker_id)
    if worker is None or worker.organisation_id != organisation_id:
        raise LookupError("worker_id: no such staff member in this organisation")
    if not worker.active:
        raise ValueError(f"worker_id: {worker.name} is no longer active; choose another worker")


@dataclass
class NewRows:
    clients: list[Client] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    reminders: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    ids: Ids = field(default_factory=Ids)

    def new_client(
        self,
        organisation_id: str,
        imported: ImportedClient,
        number_hash: str | None,
        stamp: datetime,
    ) -> Client:
        """clients.create_client's client. The list's values are in stored form already:
        case_import checked them with the same rules (clients.checked would change nothing)."""
        client = as_stored(
            Client,
            {
                "id": self.ids.next(),
                "organisation_id": organisation_id,
                "first_name": imported.first_name,
                "last_name": imported.last_name,
                "language": imported.language,
                "phone_number": imported.phone_number,
                "email": imported.email,
                "address_lines": list(imported.address_lines),
                "no_sms": imported.no_sms,
                "no_letters_at_home": imported.no_letters_at_home,
                "shared_phone": imported.shared_phone,
                "national_number_hash": number_hash,
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        self.clients.append(client)
        return client

    def add_consent(
        self, client: Client, purpose: str, given: bool, by: str, stamp: datetime
    ) -> None:
        """consent.add_statement's record of consent asked at intake."""
        self.consents.append(
            {
                "organisation_id": client.organisation_id,
                "client_id": client.id,
                "purpose": purpose,
                "partner_id": None,
                "fields": [],
                "given": given,
                "method": "intake",
                "recorded_by": by,
                "note": None,
                "recorded_at": stamp,
            }
        )

    def new_case(self, lac_session: LacSession, data: CaseData, stamp: datetime) -> Case:
        """cases.add_case's case (its checks are the caller's)."""
        case = as_stored(
            Case,
            {
                "id": self.ids.next(),
                "organisation_id": lac_session.organisation_id,
                "session_id": lac_session.id,
                **vars(data),
                "status": "open",
                "appointment_confirmed_at": None,
                "created_at": stamp,
            },
        )
        self.cases.append(case)
        return case

    def add_reminder(
        self,
        case: Any,
        step: str,
        due: datetime,
        channels: Sequence[str],
        foreseen: tuple[bool, str],
        stamp: datetime,
    ) -> None:
        """reminders.schedule_case's pending reminder, with foresee's verdict."""
        expected_skip, note = foreseen
        self.reminders.append(
            {
                "id": self.ids.next(),
                "organisation_id": case.organisation_id,
                "case_id": case.id,
                "step": step,
                "due_at": due,
                "status": "pending",
                "channels": list(channels),
                "channel": None,
                "message_id": None,
                "fallback_of": None,
                "note": note,
                "expected_skip": expected_skip,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )

    def add_task(self, case: Case, client: Client, title: str, stamp: datetime) -> str:
        """inbox.open_task's task for a client nobody can reach; its id."""
        if UNREACHABLE not in TASK_KINDS:
            raise ValueError(f"kind must be one of {', '.join(TASK_KINDS)}")
        task_id = self.ids.next()
        self.tasks.append(
            {
                "id": task_id,
                "organisation_id": client.organisation_id,
                "kind": UNREACHABLE,
                "title": title,
                "client_id": client.id,
                "case_id": case.id,
                "received_message_id": None,
                "assigned_to": None,
                "created_at": stamp,
                "closed_at": None,
                "closed_by": None,
            }
        )
        return task_id

    async def insert(self, session: AsyncSession) -> None:
        """Everything in four statements (each an executemany, in batches on PostgreSQL);
        the new clients and cases then have their identity, as rows read back would."""
        prepared: Prepared = {}
        for model, rows in (
            (Client, [_values(c) for c in self.clients]),
            (ConsentRecord, self.consents),
            (Case, [_values(c) for c in self.cases]),
            (Reminder, self.reminders),
            (Task, self.tasks),
        ):
            if rows:
                await insert_rows(session, _table(model), rows, prepared)
        for instance in (*self.clients, *self.cases):
            state = instance_state(instance)
            state.key = state.mapper.identity_key_from_primary_key((instance.__dict__["id"],))


# Per type of column, each value as the database takes it (see insert_rows).
Prepared = dict[str, dict[Any, Any]]


async def insert_rows(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], prepared: Prepared
) -> None:
    """One executemany of `rows` (each with the same columns; they are changed), every
    distinct value made ready for the database once per type of column, in `prepared`: a
    row's time, a step's due time, a list of channels recur on many rows, and preparing them
    was most of the insert. A column the rows leave out gets its default, which must be a
    plain value."""
    connection = await session.connection()
    dialect = connection.dialect
    given = set(rows[0])
    defaults = {}
    for column in table.columns:
        if column.key in given or column.default is None:
            continue
        if not isinstance(column.default, ScalarElementColumnDefault):
            raise ValueError(f"{table.name}.{column.key}: give it a value; its default is made")
        defaults[column.key] = column.default.arg
    keys = [*rows[0], *defaults]
    work = []
    for key in keys:
        kind = table.c[key].type
        process = kind.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            work.append((key, process, prepared.setdefault(repr(kind), {})))
    for row in rows:  # the caller's own rows, made for this insert: prepared in place
        if defaults:
            row.update(defaults)
        for key, process, memo in work:
            value = row[key]
            if value is None:
                continue
            token = tuple(value) if isinstance(value, list) else value
            try:
                row[key] = memo[token]
            except KeyError:
                row[key] = memo[token] = process(value)
            except TypeError:  # not hashable (a list of lists): prepared every time
                row[key] = process(value)
    # The same table without types: the values are ready, nothing is prepared again.
    bare = sql_table(table.name, *(sql_column(key) for key in keys))
    await session.execute(insert(bare), rows)


def _values(instance: Base) -> dict[str, Any]:
    loaded = instance.__dict__
    return {key: loaded[key] for key in columns_of(type(instance))}
