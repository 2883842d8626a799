"""Messenger's worker draining its queue, beside the raw limits of the same run (issue 16).

    .venv/bin/python -m bench.drains [SCALE]       # BENCH_POSTGRES_URL=postgresql://…/bench too

Only through what every version has (the CLI, the HTTP API, settings in the environment, the
queue module), so the same file measures an older commit: `messenger db upgrade`, `org
create`, `api-key create`; one message through POST /v2/notifications/…, which the real
worker (`messenger worker --no-migrate`, own processes) sends while it warms up; once the
workers are idle, that message's rows are copied N times and queued to start together at
T0. From T0 the database is polled every 0.2 s until nothing is left to hand over; CPU and
RSS of the workers come from /proc. Peers: bench/sinks.py. Sizes: 3,000 emails and SMS, and
100,000 emails for the memory row (BENCH_MEMORY_MESSAGES overrides it), times SCALE.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import jwt
from sqlalchemy import Integer, MetaData, String, Table, UniqueConstraint, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import sinks, worker_limits
from bench.drain_rows import (
    STALL_SECONDS,
    Drain,
    email_rows,
    memory_row,
    scaling_row,
    sms_rows,
)
from bench.report import Row, table
from messenger.cli.runner import running_api, server_url
from messenger.messages.queue import DeliveryQueue
from messenger.platform.db import create_engine
from messenger.platform.settings import Settings
from tests.support import EMAIL_TEMPLATE, EMAIL_VALUES, SMS_TEMPLATE, SMS_VALUES

MEMORY_MESSAGES = 100_000
SEND = {  # what the tests send (tests/support.py)
    "email": {"template_id": EMAIL_TEMPLATE, "email_address": "sara@example.be"},
    "sms": {"template_id": SMS_TEMPLATE, "phone_number": "0470 12 34 56"},
}
# Handed over = no longer waiting for the worker: final, or `sending` with the provider's
# reference (an SMS waits there for its receipt).
PENDING = text(
    "SELECT count(*) FROM messages WHERE status = 'created' "
    "OR (status = 'sending' AND provider_reference IS NULL)"
)
READY_SECONDS = 120.0
QUIET_CPU = 0.05  # CPU seconds in half a second: a worker that has finished starting


@dataclass
class Setup:
    """One migrated database with an organisation and a live API key; `env` runs Messenger."""

    name: str
    env: dict[str, str]
    api_key: str
    folder: Path

    def settings(self) -> Settings:
        with mock.patch.dict(os.environ, self.env):
            return Settings()


def cli(env: dict[str, str], *args: str) -> str:
    """`messenger ARGS…`; the last line it printed (an id, a key)."""
    done = subprocess.run(  # noqa: S603 - our own command
        [*sinks.MESSENGER, *args], cwd=sinks.ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"messenger {args[0]} failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1].strip()


def prepare(name: str, database_url: str, redis: str, folder: Path, peers: dict[str, Any]) -> Setup:
    smtp, twilio = peers["smtp"], peers["twilio"]
    var = folder / name
    var.mkdir(parents=True)
    env = sinks.messenger_env(
        database_url,
        var,
        REDIS_URL=redis,
        MESSENGER_QUEUE_NAME=f"bench-{uuid.uuid4().hex[:8]}",
        MESSENGER_SMTP_HOST=smtp["host"],
        MESSENGER_SMTP_PORT=str(smtp["port"]),
        MESSENGER_SMTP_SECURITY="none",
        TWILIO_ACCOUNT_SID=twilio["account_sid"],
        TWILIO_AUTH_TOKEN=twilio["auth_token"],
        TWILIO_FROM_NUMBER="+32460000000",
        TWILIO_API_BASE_URL=twilio["base_url"],
        # The per-sender SMS limit (10/s by default) would be the whole figure otherwise.
        MESSENGER_SMS_PER_SECOND="100000",
        MESSENGER_SMS_BURST="100000",
    )
    cli(env, "db", "upgrade")
    organisation = cli(env, "org", "create", "OCMW Bench")
    return Setup(
        name, env, cli(env, "api-key", "create", "--org", organisation, "--name", "b"), var
    )


async def send_one(setup: Setup, kind: str, reference: str) -> str:
    """One message through the real API, as a client sends it; its id."""
    # Notify's key: …-<service id (36)>-<secret (36)>; the JWT is signed with the secret.
    claims = {"iss": setup.api_key[-73:-37], "iat": int(time.time())}
    headers = {"Authorization": f"Bearer {jwt.encode(claims, setup.api_key[-36:], 'HS256')}"}
    values = EMAIL_VALUES if kind == "email" else SMS_VALUES
    body = {**SEND[kind], "personalisation": values, "reference": reference}
    settings = setup.settings()
    async with (
        running_api(settings, settings.redis_url) as server,
        httpx.AsyncClient(base_url=server_url(server), timeout=60) as http,
    ):
        for _ in range(3):  # a loaded machine can trip the 2 s render limit the first time
            answer = await http.post(f"/v2/notifications/{kind}", json=body, headers=headers)
            if answer.status_code == 201:
                break
            await asyncio.sleep(2)
    if answer.status_code != 201:
        raise RuntimeError(f"POST {kind}: {answer.status_code} {answer.text[:500]}")
    message_id: str = answer.json()["id"]
    return message_id


Snapshot = list[tuple[Table, str, list[dict[str, Any]]]]  # (table, column with the id, rows)


async def snapshot(engine: AsyncEngine, message_id: str) -> Snapshot:
    """The message's row and every row that points at it (its status history), as they are
    in the database: any version's columns are copied."""
    meta = MetaData()
    async with engine.connect() as conn:
        await conn.run_sync(meta.reflect)
        messages = meta.tables["messages"]
        found: Snapshot = []
        for table, column in [(messages, "id")] + [
            (t, fk.parent.name) for t in meta.tables.values() for fk in t.foreign_keys
            if fk.column is messages.c.id
        ]:  # fmt: skip
            rows = await conn.execute(select(table).where(table.c[column] == message_id))
            found.append((table, column, [dict(r) for r in rows.mappings()]))
    return found


async def insert_copies(engine: AsyncEngine, rows: Snapshot, count: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    plans = [(table, column, originals, _plan(table)) for table, column, originals in rows]
    async with engine.begin() as conn:
        for start in range(0, count, 2000):
            chunk = ids[start : start + 2000]
            for table, column, originals, (drop, renew) in plans:
                copies = [
                    {k: v for k, v in r.items() if k not in drop}
                    | {k: uuid.uuid4().hex[:n] for k, n in renew.items() if r.get(k) is not None}
                    | {column: i}
                    for i in chunk
                    for r in originals
                ]
                if copies:
                    await conn.execute(insert(table), copies)
    return ids


def _plan(table: Table) -> tuple[set[str], dict[str, int]]:
    """Columns a copy leaves out (an autoincrement key) and those it needs new values in
    (a text key, unique columns), with their length."""
    unique = {tuple(i.columns.keys()) for i in table.indexes if i.unique} | {
        tuple(c.columns.keys()) for c in table.constraints if isinstance(c, UniqueConstraint)
    }
    drop, renew = set(), {}
    for column in table.columns:
        if column.primary_key and isinstance(column.type, Integer):
            drop.add(column.name)
        elif column.primary_key or column.unique or (column.name,) in unique:
            length = column.type.length if isinstance(column.type, String) else None
            renew[column.name] = min(length or 32, 32)
    return drop, renew


async def pending(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(PENDING)).scalar_one())


async def drain(
    setup: Setup, kind: str, count: int, peer: sinks.Peer, *, workers: int = 1
) -> Drain:
    """Time `workers` worker processes handing over `count` messages of `kind`."""
    say(f"{setup.name}: {count:,} {kind} for {workers} worker(s)")
    reference = f"bench-{kind}-{uuid.uuid4().hex[:8]}"
    engine = create_engine(setup.settings().database)
    processes: list[sinks.Popen] = []
    try:
        rows = await snapshot(engine, await send_one(setup, kind, reference))
        logs = [setup.folder / f"worker-{kind}-{n}.log" for n in range(workers)]
        processes = sinks.start_logged(
            [*sinks.MESSENGER, "worker", "--no-migrate"], setup.env, logs
        )

        async def warmed_up() -> bool:  # the message the API queued is handed over
            return await pending(engine) == 0

        await sinks.until_quiet(processes, warmed_up, READY_SECONDS, QUIET_CPU)
        ids = await insert_copies(engine, rows, count)
        # T0 leaves time to queue them all (1 s and 1.5 ms a message); should queueing take
        # longer, the drain is still timed from T0 and the note says by how much.
        start = datetime.now(UTC) + timedelta(seconds=1 + count * 0.0015)
        t0 = time.monotonic() + (start - datetime.now(UTC)).total_seconds()
        before = peer.received()
        await queue_all(setup, ids, start)
        result = Drain(kind, workers, count, late=max(0.0, time.monotonic() - t0))
        await watch(engine, processes, result, t0)
        after = peer.received()
        result.received = after["messages"] - before["messages"]
        if "bytes" in after and result.received:
            result.size = (after["bytes"] - before["bytes"]) / result.received / 1024
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT status, count(*) FROM messages WHERE reference = :r GROUP BY status"),
                {"r": reference},
            )
            result.statuses = {str(s): int(n) for s, n in found}
    finally:
        sinks.stop_all(processes)
        await engine.dispose()
    say(f"  {result.rate:.1f} msg/s, CPU {result.cpu_ms:.1f} ms/msg")
    return result


async def queue_all(setup: Setup, ids: list[str], start: datetime) -> None:
    settings = setup.settings()
    assert settings.redis_url
    queue = await DeliveryQueue.connect(settings.redis_url, settings.queue_name)
    try:
        for n in range(0, len(ids), 500):
            await asyncio.gather(*(queue.enqueue(i, not_before=start) for i in ids[n : n + 500]))
    finally:
        await queue.close()


async def watch(
    engine: AsyncEngine, processes: list[sinks.Popen], result: Drain, t0: float
) -> None:
    """Poll from T0 until nothing is left to hand over, or nothing moves for a minute. Only
    our `count` messages are pending from T0 (none were before them: `warmed_up`)."""
    pids = [p.pid for p in processes]
    interval = 0.2 if result.count <= 10_000 else 1.0  # a count over 100,000 rows costs
    await asyncio.sleep(max(0.0, t0 - time.monotonic()))
    cpu0 = sum(sinks.cpu_seconds(pid) for pid in pids)
    result.rss_start = sum(sinks.memory_mb(pid)[0] for pid in pids)
    last_progress = time.monotonic()
    while True:
        await asyncio.sleep(interval)
        left = await pending(engine)
        now = time.monotonic()
        if result.count - left > result.done:
            result.done, last_progress = result.count - left, now
        result.seconds = now - t0
        result.cpu = sum(sinks.cpu_seconds(pid) for pid in pids) - cpu0
        result.rss_samples.append((result.done, sum(sinks.memory_mb(p)[0] for p in pids)))
        result.rss_peak = max(sinks.memory_mb(pid)[1] for pid in pids)
        if left == 0:
            return
        sinks.check_alive(processes)
        if now - last_progress > STALL_SECONDS:
            result.stalled = True
            return


def say(what: str) -> None:
    """Progress, so a long run shows where it is (stderr: stdout is the table)."""
    print(f"[bench.drains {time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


async def _measure(scale: float, folder: Path) -> list[Row]:
    count = worker_limits.size(scale)
    long = max(1000, int(os.environ.get("BENCH_MEMORY_MESSAGES") or MEMORY_MESSAGES * scale))
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    settings = Settings()
    pool, jobs = settings.smtp_pool_size, settings.worker_max_jobs
    rows: list[Row] = []
    async with AsyncExitStack() as stack:
        sink = stack.enter_context(sinks.smtp_sink())
        twilio = stack.enter_context(sinks.twilio_server())
        redis = stack.enter_context(sinks.redis(folder))
        peers = {"smtp": sink.info, "twilio": twilio.info}
        sqlite = prepare("sqlite", f"sqlite:///{folder / 'bench.db'}", redis, folder, peers)

        say(f"raw limits: aiosmtplib and arq, {count:,} each")
        smtp = await worker_limits.raw_smtp(sink.info["host"], sink.info["port"], count, pool)
        noop = await worker_limits.arq_noop(redis, count, settings)
        say(f"  {smtp.per_second:.0f} msg/s, {noop.per_second:.0f} jobs/s")
        one = await drain(sqlite, "email", count, sink)
        rows += email_rows("SQLite", one, smtp, noop, pool)
        two = await drain(sqlite, "email", count, sink, workers=2)
        rows.append(scaling_row("SQLite", one, two, postgres))

        say(f"raw limit: twilio SDK, {count:,}")
        raw_sms = await worker_limits.raw_twilio(twilio.info, count, jobs)
        rows += sms_rows(await drain(sqlite, "sms", count, twilio), raw_sms, noop)

        if postgres:
            url = await stack.enter_async_context(sinks.postgres_database(postgres))
            pg = prepare("postgresql", url, redis, folder, peers)
            smtp = await worker_limits.raw_smtp(sink.info["host"], sink.info["port"], count, pool)
            pg_one = await drain(pg, "email", count, sink)
            rows += email_rows("PostgreSQL", pg_one, smtp, noop, pool)
            pg_two = await drain(pg, "email", count, sink, workers=2)
            rows.append(scaling_row("PostgreSQL", pg_one, pg_two, postgres))

        rows.append(memory_row(await drain(sqlite, "email", long, sink)))
    return rows


def measure(scale: float = 1.0) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-drains-") as folder:
        return asyncio.run(_measure(scale, Path(folder)))


if __name__ == "__main__":
    print(table(measure(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
