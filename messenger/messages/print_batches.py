"""Print batches: the day's letters as one PDF and a CSV manifest, posted by a person.

Letters for print wait in `sending` (channels/letter_print.py). After the day's cut-off
(MESSENGER_PRINT_CUTOFF, Brussels time) the reconciler collates every waiting letter made
before it, per organisation, into batches of at most MAX_LETTERS: one run makes them all.
Posting a batch moves its letters to `sent`; a letter that comes back is marked
`returned-letter` (receipts.py: forward only).

Collating is safe to repeat: letters are claimed for a batch in one guarded update before
anything is rendered, and a batch whose files were not written yet is rendered again.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channels.letter_pdf import ENVELOPES, render_batch
from channels.letter_renderers import Renderers, renderers_for
from messenger.messages import receipts, statuses
from messenger.messages.lifecycle import transition
from messenger.messages.outbound import made_elsewhere, outgoing
from messenger.messages.recipients import postcode_of
from messenger.platform.csv_files import write_csv
from messenger.platform.dates import BRUSSELS
from messenger.platform.db import Sessions
from messenger.platform.models import Message, Organisation, PrintBatch, new_id, utcnow
from messenger.platform.settings import Settings

RENDERING = "rendering"
READY = "ready"
POSTED = "posted"
# Letters a batch: one PDF file the print room can send to the printer whole.
MAX_LETTERS = 500
# How long a claimed batch may take to render before another run finishes it instead.
RENDER_LEASE = timedelta(minutes=10)
MANIFEST_HEADER = (
    "sequence", "notification_id", "pages", "postcode", "envelope", "reference", "postage",
)  # fmt: skip
# Closed envelope without logo: neighbours in an apartment block need not know (seeds/000).
ENVELOPE_NOTE = "gesloten omslag met venster, zonder logo"


class BatchError(ValueError):
    """The batch cannot do that now; the message says why."""


@dataclass(frozen=True)
class BatchFiles:
    pdf: Path
    manifest: Path


def files_of(settings: Settings, batch_id: str) -> BatchFiles:
    return BatchFiles(
        pdf=settings.print_dir / f"{batch_id}.pdf",
        manifest=settings.print_dir / f"{batch_id}.csv",
    )


def latest_cutoff(settings: Settings, now: datetime) -> datetime:
    """The most recent cut-off moment at or before `now` (today's, or yesterday's)."""
    hour, minute = (int(part) for part in settings.print_cutoff.split(":"))
    local = now.astimezone(BRUSSELS)
    today = datetime.combine(local.date(), time(hour, minute), tzinfo=BRUSSELS)
    cutoff = today if local >= today else today - timedelta(days=1)
    return cutoff.astimezone(now.tzinfo)


async def collate(
    sessions: Sessions,
    settings: Settings,
    *,
    now: datetime | None = None,
    until: datetime | None = None,
    organisation_id: str | None = None,
) -> list[str]:
    """Make today's batches; returns their ids. Also finishes batches a crash left half-made.

    `until`: take the letters made before this moment instead of the day's cut-off (a person
    in the print room who wants them now); `organisation_id`: only that organisation's."""
    now = now or utcnow()
    cutoff = until or latest_cutoff(settings, now)
    made: list[str] = []
    async with sessions() as session:
        query = select(Message.organisation_id).where(_waiting(), Message.created_at < cutoff)
        if organisation_id is not None:
            query = query.where(Message.organisation_id == organisation_id)
        organisations = list(await session.scalars(query.distinct()))
        # Half-made by a run that crashed; a younger one is still being made by its claimer,
        # and rendering it here too would replace its files after they were handed out.
        stale = select(PrintBatch.id).where(
            PrintBatch.status == RENDERING, PrintBatch.created_at < utcnow() - RENDER_LEASE
        )
        if organisation_id is not None:
            stale = stale.where(PrintBatch.organisation_id == organisation_id)
        unfinished = list(await session.scalars(stale))
    for organisation_id in organisations:
        while batch_id := await _claim(sessions, organisation_id, cutoff):
            unfinished.append(batch_id)
    if not unfinished:
        return made
    async with sessions() as session:
        letters = await session.scalar(
            select(func.count()).where(Message.print_batch_id.in_(unfinished))
        )
    # A long run lays its letters out in several processes; they end with the run.
    renderers = renderers_for(letters or 0)
    try:
        for batch_id in unfinished:
            await _render(sessions, settings, batch_id, renderers)
            made.append(batch_id)
    finally:
        if renderers is not None:
            await asyncio.to_thread(renderers.close)
    return made


def _waiting() -> ColumnElement[bool]:
    return and_(
        Message.kind == "letter",
        Message.channel == "print",
        Message.status == statuses.SENDING,
        Message.print_batch_id.is_(None),
    )


async def _claim(sessions: Sessions, organisation_id: str, cutoff: datetime) -> str | None:
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(Message.id)
                .where(_waiting(), Message.organisation_id == organisation_id)
                .where(Message.created_at < cutoff)
                .order_by(Message.created_at, Message.id)
                .limit(MAX_LETTERS)
            )
        )
        if not ids:
            return None
        batch = PrintBatch(
            id=new_id(),
            organisation_id=organisation_id,
            status=RENDERING,
            letter_count=0,
            page_count=0,
        )
        session.add(batch)
        await session.flush()
        claimed = await session.execute(
            update(Message)
            .where(Message.id.in_(ids), _waiting())
            .values(print_batch_id=batch.id)
            .returning(Message.id)
        )
        batch.letter_count = len(claimed.all())
        if not batch.letter_count:
            await session.rollback()  # another run took them meanwhile: no empty batch
            return None
        await session.commit()
        return batch.id


async def _render(
    sessions: Sessions, settings: Settings, batch_id: str, renderers: Renderers | None = None
) -> None:
    async with sessions() as session:
        letters = list(
            await session.scalars(
                select(Message)
                .where(Message.print_batch_id == batch_id)
                .order_by(Message.created_at, Message.id)
            )
        )
        batch = await session.get(PrintBatch, batch_id)
        assert batch is not None
        if batch.status != RENDERING:
            return  # another run finished it meanwhile
        organisation = await session.get(Organisation, batch.organisation_id)
        pdfs = await session.run_sync(made_elsewhere, [m.id for m in letters])
    # WeasyPrint is CPU-bound (a 500-letter batch takes seconds): keep the loop free.
    rendered = await asyncio.to_thread(
        render_batch,
        [outgoing(m, settings, organisation, pdfs.get(m.id)) for m in letters],
        window=ENVELOPES[settings.envelope],
        renderers=renderers,
    )
    files = files_of(settings, batch_id)
    _write(files.pdf, rendered.pdf)
    _write(files.manifest, _manifest(letters, rendered.pages))
    async with sessions() as session:
        await session.execute(
            update(PrintBatch)
            .where(PrintBatch.id == batch_id, PrintBatch.status == RENDERING)
            .values(status=READY, letter_count=len(letters), page_count=sum(rendered.pages))
        )
        await session.commit()


def _manifest(letters: list[Message], pages: tuple[int, ...]) -> bytes:
    """No names or streets: the addresses are in the PDF; this is for counting and checks."""
    rows = [
        (sequence, letter.id, count, postcode_of(letter.address_lines) or "", ENVELOPE_NOTE,
         letter.reference or "", letter.postage or "second")
        for sequence, (letter, count) in enumerate(zip(letters, pages, strict=True), start=1)
    ]  # fmt: skip
    return write_csv([MANIFEST_HEADER, *rows]).encode()


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)


async def waiting_count(session: AsyncSession, organisation_id: str) -> int:
    """Letters accepted for print that no batch holds yet."""
    found = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(_waiting(), Message.organisation_id == organisation_id)
    )
    return found or 0


async def find(session: AsyncSession, organisation_id: str, batch_id: str) -> PrintBatch | None:
    return await session.scalar(
        select(PrintBatch).where(
            PrintBatch.id == batch_id, PrintBatch.organisation_id == organisation_id
        )
    )


async def mark_posted(session: AsyncSession, organisation_id: str, batch_id: str) -> int:
    """The batch went to the post: its letters become `sent`. Returns how many moved."""
    batch = await find(session, organisation_id, batch_id)
    if batch is None:
        raise LookupError("No result found")
    if batch.status != READY:
        raise BatchError(f"print batch is {batch.status}; only a ready batch can be posted")
    now = utcnow()
    await session.execute(
        update(PrintBatch)
        .where(PrintBatch.id == batch_id, PrintBatch.status == READY)
        .values(status=POSTED, posted_at=now)
    )
    moved = 0
    for message_id in list(
        await session.scalars(select(Message.id).where(Message.print_batch_id == batch_id))
    ):
        moved += await session.run_sync(
            transition,
            message_id,
            expected=statuses.SENDING,
            new=statuses.SENT,
            source="print",
            detail=f"posted in print batch {batch_id}",
            sent_at=now,
        )
    await session.commit()
    return moved


async def own_letter(session: AsyncSession, organisation_id: str, message_id: str) -> Message:
    """The organisation's letter, or LookupError (another organisation's is not there)."""
    message = await session.scalar(
        select(Message).where(
            Message.id == message_id,
            Message.organisation_id == organisation_id,
            Message.kind == "letter",
        )
    )
    if message is None:
        raise LookupError("No result found")
    return message


async def mark_returned(
    session: AsyncSession, organisation_id: str, message_id: str, reason: str = ""
) -> str:
    """A letter came back (moved, unknown address): `returned-letter`, forward only."""
    message = await own_letter(session, organisation_id, message_id)
    detail = "returned to sender" + (f": {reason}" if reason else "")
    result = await receipts.apply_receipt(
        session, message.id, statuses.RETURNED_LETTER, source="post", detail=detail
    )
    await session.commit()
    return result
