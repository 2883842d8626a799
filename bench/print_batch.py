"""A print batch of 1,000 letters: `messenger print-batch make`, called until every letter is
in a batch file (issue 16: goal ≤ 25 s, one call).

    .venv/bin/python -m bench.print_batch [SCALE]          # SQLite in a temporary folder
    BENCH_POSTGRES_URL=postgresql://user@host/db .venv/bin/python -m bench.print_batch
                                                          # and PostgreSQL, in a database
                                                          # of its own, made and dropped

The letters are put in the database as the print channel leaves them (kind letter, channel
print, `sending`, written two days ago, so before the day's cut-off): the letters of
bench/letters.py, one address each. Then the command runs as the print room runs it, as a
subprocess (Python's start included), again and again until no letter waits; the figure is
the sum of its wall times, and the row says how many calls it took.

The limit beside it is WeasyPrint itself on the same letters, in one process: one document
of SAMPLE letters, as bench/letters.py measures its batched rate, scaled to the count (a
document of 500 costs about the same a letter). Messenger lays letters out on every
processor, so it can beat this limit; the note gives processor times too, which other load
on the machine changes less than wall times.

Only functions and a command that existed before this benchmark are used, so an older
commit measures the same way. No Redis is used; PostgreSQL only with BENCH_POSTGRES_URL.
"""

from __future__ import annotations

import asyncio
import re
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bench.letters import BODY, letter
from bench.report import Row, table
from bench.sinks import messenger_env, run_messenger, sqlite_then_postgres
from messenger.casework.organisations import create_organisation
from messenger.platform import migrate
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.models import Message, PrintBatch, Template, TemplateVersion
from messenger.platform.settings import normalise_database_url
from messenger.wording import template_store
from messenger.wording.template_files import template_id

FULL_SIZE = 1_000
SAMPLE = 50
MAX_CALLS = 10
GOAL = "≤ 25 s, one call"
SENDER = "OCMW Gent|Sociale dienst"  # bench/letters.py's return address
TIMEOUT_SECONDS = 1800


async def fill(database: str, count: int) -> str:
    """The schema, the shipped templates, one organisation and `count` letters waiting for
    the print batch; returns the organisation's id."""
    engine = create_engine(database)
    try:
        await migrate.upgrade(engine)
        sessions = create_sessions(engine)
        async with sessions() as session:
            await template_store.sync_shipped(session)
            organisation = await create_organisation(session, "OCMW Bench")
            template = await session.get(Template, template_id("lac-tweede-uitnodiging-brief"))
            assert template is not None
            version = await session.scalar(
                select(TemplateVersion.version).where(TemplateVersion.template_id == template.id)
            )
            written = datetime.now(UTC) - timedelta(days=2)
            rows = []
            for n in range(count):
                one = letter(n)
                message_id = str(uuid.uuid4())
                rows.append(
                    {"id": message_id, "organisation_id": organisation.id, "key_type": "live",
                     "kind": "letter", "status": "sending", "template_id": template.id,
                     "template_version": version or 1, "language": "nl",
                     "address_lines": list(one.address_lines), "subject": one.subject,
                     "body": BODY, "reference": f"bench-{n}", "postage": "second",
                     "channel": "print", "provider_reference": f"print:{message_id}",
                     "attempts": 1, "created_at": written + timedelta(seconds=n),
                     "updated_at": written, "sending_started_at": written}
                )  # fmt: skip
            for start in range(0, count, 2_000):
                await session.execute(insert(Message), rows[start : start + 2_000])
            await session.commit()
            return organisation.id
    finally:
        await engine.dispose()


async def state(database: str) -> tuple[int, int, int, int]:
    """Letters waiting, batches made, letters in ready batches, and their pages."""
    engine = create_engine(database)
    try:
        async with create_sessions(engine)() as session:
            waiting = await session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.kind == "letter", Message.print_batch_id.is_(None))
            )
            batches = list(await session.scalars(select(PrintBatch)))
    finally:
        await engine.dispose()
    ready = [b for b in batches if b.status == "ready"]
    return (
        waiting or 0,
        len(batches),
        sum(b.letter_count for b in ready),
        sum(b.page_count for b in ready),
    )


def make(env: dict[str, str]) -> tuple[str, float, float]:
    """One `print-batch make`: what it said, its wall time, and the processor time it and
    its own processes used (a figure the machine's other load leaves alone)."""
    before = _children_cpu()
    said, took = run_messenger(env, "print-batch", "make", timeout=TIMEOUT_SECONDS)
    return " ".join(said.split()), took, _children_cpu() - before


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def raw_seconds(count: int) -> tuple[float, float]:
    """WeasyPrint alone, one process: SAMPLE of the same letters as one document (the HTML
    and CSS Messenger gives it), its wall and processor times scaled to `count`."""
    from weasyprint import HTML

    from channels.letter_pdf import DIN_5008_B, _css, _letter_html

    def source(letters: int) -> str:
        pieces = "\n".join(_letter_html(letter(n), n) for n in range(letters))
        return (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{_css(DIN_5008_B)}</style>'
            f"</head><body>{pieces}</body></html>"
        )

    HTML(string=source(1)).write_pdf()  # fonts loaded, as in a running process
    sample = min(count, SAMPLE)
    html = source(sample)
    started, cpu = time.perf_counter(), time.process_time()
    HTML(string=html).write_pdf()
    scale = count / sample
    return (time.perf_counter() - started) * scale, (time.process_time() - cpu) * scale


def run_on(database_url: str, label: str, count: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-print-") as folder:
        database = normalise_database_url(database_url)
        env = messenger_env(
            database_url,
            folder,
            MESSENGER_PRINT_BATCHES="true",
            MESSENGER_LETTER_SENDER=SENDER,
        )
        asyncio.run(fill(database, count))
        calls: list[tuple[str, float, float]] = []
        while len(calls) < MAX_CALLS:
            calls.append(make(env))
            waiting, batches, letters, pages = asyncio.run(state(database))
            if not waiting:
                break
        files = sorted(p.name for p in (Path(folder) / "print").glob("*.pdf"))
    if waiting or letters != count or len(files) != batches:
        raise RuntimeError(
            f"after {len(calls)} calls: {waiting} letters wait, {letters} of {count} in "
            f"{batches} batches, {len(files)} PDF files"
        )
    seconds, cpu = sum(c[1] for c in calls), sum(c[2] for c in calls)
    raw, raw_cpu = raw_seconds(count)
    said = calls[0][0]
    said = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "…", said)[:120]
    return [
        Row(
            what=f"print batch of {count:,} letters: `print-batch make` until all are in "
            f"batch files ({label})",
            messenger=seconds,
            unit="s",
            limit=raw,
            limit_what=f"WeasyPrint alone, 1 process, one document of {min(count, SAMPLE)}, scaled",
            goal=GOAL,
            higher_is_better=False,
            note=f"{len(calls)} call(s) ({', '.join(f'{c[1]:.1f} s' for c in calls)}); "
            f"processor time {cpu:.1f} s (WeasyPrint alone {raw_cpu:.1f} s); "
            f"{batches} batch(es), {pages:,} pages; the first said: {said}",
        )
    ]


def measure(scale: float = 1.0) -> list[Row]:
    count = max(10, int(FULL_SIZE * scale))
    return sqlite_then_postgres("print batch", "s", lambda url, label: run_on(url, label, count))


if __name__ == "__main__":
    measured = measure(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
    print(table(measured))
