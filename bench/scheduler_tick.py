"""One scheduler tick over many future reminders: it should cost what is due, not what exists
(issue 16).

    .venv/bin/python -m bench.scheduler_tick [SCALE]        # SQLite in a temporary folder
    BENCH_POSTGRES_URL=postgresql://user@host/db .venv/bin/python -m bench.scheduler_tick
                                                          # and PostgreSQL, in a database of
                                                          # its own, made and dropped

A tick is what the worker's reconciler runs every half minute for reminder plans:
`reminders.send_due` and `fallbacks.fall_back`, with an explicit `now`. The database holds one
organisation with the shipped plan and 100,000 future (pending, not yet due) reminders, or
1,000 for the comparison, filled directly as bench/pages.py does. Before each timed tick the
same work is made due: DUE reminders whose time has come (SMS with consent) and FAILED sent
SMS reminders whose message failed, each of which falls back to email. Both ticks send the
same number of messages, so their ratio is what the future reminders cost; ≈ 1 means the tick
costs what is due. A tick with nothing due is timed too.

No queue (nothing is delivered: the messages are stored as the API stores them), no Redis; the
tick is driven through functions that have existed since the reminder plans, so an older
commit measures the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from bench.report import Row, table
from bench.sinks import postgres_database, sqlite_then_postgres
from messenger.casework import fallbacks, reminders
from messenger.casework.organisations import create_organisation
from messenger.platform import migrate
from messenger.platform.db import Sessions, create_engine, create_sessions
from messenger.platform.models import (
    Case,
    Client,
    ConsentRecord,
    LacSession,
    Message,
    Reminder,
    Template,
    TemplateVersion,
)
from messenger.platform.settings import normalise_database_url
from messenger.wording import template_store

FUTURE, FEW = 100_000, 1_000
DUE, FAILED = 20, 5
REPEATS = 5
IDLE_TICKS = 3
# A Tuesday at ten in Brussels (09:00 UTC): inside the quiet hours, so due steps go out now.
NOW = datetime(2026, 12, 8, 9, tzinfo=UTC)
# The shipped plan's steps for before the session, each with its channels (default_plan.py).
FUTURE_STEPS = {
    "uitnodiging": ["letter", "email"],
    "afspraak-voorstel": ["sms", "email"],
    "herinnering": ["sms", "email", "letter"],
    "ochtend": ["sms"],
}
CASES_A_SESSION = 200
GOAL = "≈ 1× (cost follows what is due)"


def ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


class Database:
    """One organisation, its sessions, cases and reminders, filled directly."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.organisation = ""
        self.template = ""
        self.version = 1
        self.round = 0

    async def start(self) -> None:
        async with self.sessions() as session:
            await template_store.sync_shipped(session)
            organisation = await create_organisation(session, "OCMW Bench")
            organisation.contact_name, organisation.contact_phone = "Jan Peeters", "09 123 45 67"
            organisation.contact_email = "jan.peeters@ocmw.example"
            organisation.walk_in_address = "Onderbergen 86, 9000 Gent"
            organisation.opening_hours = "maandag tot vrijdag van 9 tot 12 uur"
            template = await session.scalar(
                select(Template).where(Template.name == "lac-herinnering-sms")
            )
            assert template is not None
            self.template = template.id
            self.version = (
                await session.scalar(
                    select(TemplateVersion.version).where(
                        TemplateVersion.template_id == template.id
                    )
                )
                or 1
            )
            self.organisation = organisation.id
            await session.commit()

    async def cases(self, count: int, *, first_session_in: timedelta) -> list[str]:
        """`count` open cases with reachable clients (SMS and email consent), in sessions of
        CASES_A_SESSION starting `first_session_in` from NOW, a day apart."""
        org, now = self.organisation, NOW
        sessions = ids(max(1, -(-count // CASES_A_SESSION)))
        clients, cases = ids(count), ids(count)
        self.round += 1
        tag = self.round
        async with self.sessions() as session:
            await session.execute(
                insert(LacSession),
                [
                    {"id": s, "organisation_id": org, "status": "planned",
                     "starts_at": now + first_session_in + timedelta(days=n),
                     "place": "Sociaal Huis, Onderbergen 86, Gent",
                     "place_short": "Sociaal Huis Gent"}
                    for n, s in enumerate(sessions)
                ],
            )  # fmt: skip
            for start in range(0, count, 5_000):
                chunk = range(start, min(count, start + 5_000))
                await session.execute(
                    insert(Client),
                    [
                        {"id": clients[n], "organisation_id": org, "first_name": f"Sara{n}",
                         "last_name": "Janssens", "phone_number": f"+3247{tag:02d}{n:05d}",
                         "email": f"client{tag}.{n}@example.be",
                         "address_lines": [f"Client {n}", f"Kerkstraat {n}", "9000 Gent"]}
                        for n in chunk
                    ],
                )  # fmt: skip
                await session.execute(
                    insert(Case),
                    [
                        {"id": cases[n], "organisation_id": org, "client_id": clients[n],
                         "session_id": sessions[n // CASES_A_SESSION], "reason": "unpaid-bills",
                         "water_company": "De Watergroep", "reference": f"DW-{tag}-{n}",
                         "status": "open"}
                        for n in chunk
                    ],
                )  # fmt: skip
                await session.execute(
                    insert(ConsentRecord),
                    [
                        {"organisation_id": org, "client_id": clients[n], "purpose": purpose,
                         "given": True, "method": "in-person", "recorded_by": "bench",
                         "fields": []}
                        for n in chunk
                        for purpose in ("sms", "email")
                    ],
                )  # fmt: skip
            await session.commit()
        return cases

    async def future(self, count: int) -> None:
        """`count` pending reminders, none due before the bench is over: the plan's steps for
        sessions one to ten weeks ahead."""
        cases = await self.cases(-(-count // len(FUTURE_STEPS)), first_session_in=timedelta(7))
        rows = [
            {"id": str(uuid.uuid4()), "organisation_id": self.organisation, "case_id": case,
             "step": step, "due_at": NOW + timedelta(days=1 + n % 60, hours=s),
             "status": "pending", "channels": channels}
            for n, case in enumerate(cases)
            for s, (step, channels) in enumerate(FUTURE_STEPS.items())
        ][:count]  # fmt: skip
        async with self.sessions() as session:
            for start in range(0, len(rows), 10_000):
                await session.execute(insert(Reminder), rows[start : start + 10_000])
            await session.commit()

    async def make_due(self, due: int, failed: int) -> None:
        """`due` reminders due a minute ago, and `failed` sent ones whose SMS failed."""
        cases = await self.cases(due + failed, first_session_in=timedelta(days=2))
        messages = ids(failed)
        sent_at = NOW - timedelta(hours=1)
        async with self.sessions() as session:
            await session.execute(
                insert(Reminder),
                [
                    {"id": str(uuid.uuid4()), "organisation_id": self.organisation,
                     "case_id": case, "step": "herinnering",
                     "due_at": NOW - timedelta(minutes=1), "status": "pending",
                     "channels": FUTURE_STEPS["herinnering"]}
                    for case in cases[:due]
                ],
            )  # fmt: skip
            if failed:
                await session.execute(
                    insert(Message),
                    [
                        {"id": m, "organisation_id": self.organisation, "key_type": "live",
                         "kind": "sms", "status": "permanent-failure", "template_id": self.template,
                         "template_version": self.version, "language": "nl",
                         "recipient": "+32470000000", "body": "Dag Sara.", "channel": "sms",
                         "case_id": case, "created_at": sent_at, "updated_at": sent_at}
                        for m, case in zip(messages, cases[due:], strict=True)
                    ],
                )  # fmt: skip
                await session.execute(
                    insert(Reminder),
                    [
                        {"id": str(uuid.uuid4()), "organisation_id": self.organisation,
                         "case_id": case, "step": "herinnering", "due_at": sent_at,
                         "status": "sent", "channel": "sms", "message_id": m,
                         "channels": FUTURE_STEPS["herinnering"], "updated_at": sent_at}
                        for m, case in zip(messages, cases[due:], strict=True)
                    ],
                )  # fmt: skip
            await session.commit()

    async def tick(self) -> tuple[float, int, int]:
        """One tick of the reminder scheduler: seconds, reminders sent, fallbacks made."""
        started = time.perf_counter()
        sent = await reminders.send_due(self.sessions, None, now=NOW)
        fell_back = await fallbacks.fall_back(self.sessions, None, now=NOW)
        return time.perf_counter() - started, sent, fell_back


@contextlib.asynccontextmanager
async def database(url: str | None) -> AsyncIterator[Sessions]:
    """A fresh database: a SQLite file in a temporary folder, or (url) a PostgreSQL database
    of its own beside the one named, dropped afterwards."""
    async with contextlib.AsyncExitStack() as stack:
        if url:
            target = normalise_database_url(await stack.enter_async_context(postgres_database(url)))
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-tick-"))
            target = f"sqlite+aiosqlite:///{Path(folder) / 'messenger.db'}"
        engine = create_engine(target)
        stack.push_async_callback(engine.dispose)
        await migrate.upgrade(engine)
        yield create_sessions(engine)


async def filled(stack: contextlib.AsyncExitStack, url: str | None, future: int) -> Database:
    """A fresh database holding `future` pending reminders."""
    sessions = await stack.enter_async_context(database(url))
    db = Database(sessions)
    await db.start()
    await db.future(future)
    if url:
        async with sessions() as session:
            await session.execute(text("ANALYZE"))  # as autovacuum would within a minute
    return db


async def pending(db: Database) -> int:
    async with db.sessions() as session:
        found = await session.scalar(
            select(text("count(*)")).select_from(Reminder).where(Reminder.status == "pending")
        )
    return int(found or 0)


async def run_on(url: str | None, label: str, scale: float) -> list[Row]:
    """Both databases side by side, their ticks taken in turns: the machine's other load
    falls on both alike."""
    many, few = max(1_000, int(FUTURE * scale)), max(10, int(FEW * scale))
    share = min(1.0, scale * 10)
    due, failed = max(2, int(DUE * share)), max(1, int(FAILED * share))
    async with contextlib.AsyncExitStack() as stack:
        started = time.perf_counter()
        large = await filled(stack, url, many)
        took = time.perf_counter() - started
        small = await filled(stack, url, few)
        busy: dict[int, list[float]] = {many: [], few: []}
        idle: dict[int, list[float]] = {many: [], few: []}
        done: dict[int, list[tuple[int, int]]] = {many: [], few: []}
        for _ in range(REPEATS):
            for size, db in ((few, small), (many, large)):
                await db.make_due(due, failed)
                seconds, sent, fell_back = await db.tick()
                busy[size].append(seconds)
                done[size].append((sent, fell_back))
            for _ in range(IDLE_TICKS):
                for size, db in ((few, small), (many, large)):
                    idle[size].append((await db.tick())[0])
        left = await pending(large)
    if done[few] != done[many]:
        raise RuntimeError(f"the ticks did different work: {done[few]} vs {done[many]}")
    sent, fell_back = done[many][0]
    work = f"{sent} reminders sent, {fell_back} fallbacks"
    ms = {key: {size: statistics.median(v) * 1000 for size, v in d.items()} for key, d in
          (("busy", busy), ("idle", idle))}  # fmt: skip
    return [
        Row(
            what=f"scheduler tick over {many:,} future reminders, {work} ({label})",
            messenger=ms["busy"][many],
            unit="ms",
            limit=ms["busy"][few],
            limit_what=f"the same tick over {few:,}",
            goal=GOAL,
            higher_is_better=False,
            note=f"median of {REPEATS}, taken in turns; {left:,} pending after; "
            f"filled in {took:.0f} s",
        ),
        Row(
            what=f"scheduler tick over {many:,} future reminders, nothing due ({label})",
            messenger=ms["idle"][many],
            unit="ms",
            limit=ms["idle"][few],
            limit_what=f"the same tick over {few:,}",
            goal=GOAL,
            higher_is_better=False,
            note=f"median of {REPEATS * IDLE_TICKS}, taken in turns",
        ),
    ]


def measure(scale: float = 1.0) -> list[Row]:
    def on(url: str | None, label: str) -> list[Row]:
        return asyncio.run(run_on(url, label, scale))

    return sqlite_then_postgres("scheduler tick", "ms", on, fresh=False)


if __name__ == "__main__":
    measured = measure(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
    print(table(measured))
