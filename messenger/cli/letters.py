"""`messenger print-batch …` and `messenger letter returned`: the print room's commands."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from messenger.cli.common import console, run, session_for
from messenger.messages import print_batches
from messenger.platform.db import create_engine, create_sessions
from messenger.platform.models import PrintBatch
from messenger.platform.settings import get_settings

batch_app = typer.Typer(help="Print batches: the day's letters as one PDF.", no_args_is_help=True)
letter_app = typer.Typer(help="Letters after printing.", no_args_is_help=True)
Org = Annotated[str, typer.Option("--org", help="The organisation's id")]


@batch_app.command("make")
def make() -> None:
    """Collate every letter waiting for print now (the worker also does this daily): all of
    them in one go, in batches of at most 500 letters, one PDF each."""
    settings = get_settings()

    async def work() -> list[PrintBatch]:
        async with session_for(settings):
            pass  # migrates
        engine = create_engine(settings.database)
        try:
            sessions = create_sessions(engine)
            made = await print_batches.collate(sessions, settings)
            async with sessions() as session:
                found = {
                    b.id: b
                    for b in await session.scalars(
                        select(PrintBatch).where(PrintBatch.id.in_(made))
                    )
                }
            return [found[i] for i in made if i in found]
        finally:
            await engine.dispose()

    made = run(work)
    letters, pages = sum(b.letter_count for b in made), sum(b.page_count for b in made)
    console.print(
        f"{len(made)} print batch(es) made, {letters} letter(s), {pages} page(s)"
        + (":" if made else "")
    )
    for batch in made:
        console.print(f"{batch.id}: {batch.letter_count} letter(s), {batch.page_count} page(s)")


@batch_app.command("list")
def list_batches(org: Org) -> None:
    """The organisation's print batches, newest first."""
    settings = get_settings()

    async def work() -> list[PrintBatch]:
        async with session_for(settings) as session:
            return list(
                await session.scalars(
                    select(PrintBatch)
                    .where(PrintBatch.organisation_id == org)
                    .order_by(PrintBatch.created_at.desc())
                    .limit(100)
                )
            )

    table = Table("id", "status", "letters", "pages", "made", "posted")
    for batch in run(work):
        table.add_row(
            batch.id,
            batch.status,
            str(batch.letter_count),
            str(batch.page_count),
            f"{batch.created_at:%Y-%m-%d %H:%M}",
            f"{batch.posted_at:%Y-%m-%d %H:%M}" if batch.posted_at else "",
        )
    console.print(table)


@batch_app.command("download")
def download(
    org: Org,
    batch_id: Annotated[str, typer.Argument(help="The print batch's id")],
    to: Annotated[Path, typer.Option(help="Folder to copy the PDF and manifest to")] = Path(),
) -> None:
    """Copy a batch's PDF and CSV manifest to a folder."""
    settings = get_settings()

    async def work() -> None:
        async with session_for(settings) as session:
            batch = await print_batches.find(session, org, batch_id)
        if batch is None or batch.status == print_batches.RENDERING:
            raise LookupError(f"no print batch {batch_id} for this organisation")

    run(work)
    files = print_batches.files_of(settings, batch_id)
    to.mkdir(parents=True, exist_ok=True)
    for path in (files.pdf, files.manifest):
        shutil.copy2(path, to / path.name)
        console.print(str(to / path.name))


@batch_app.command("posted")
def posted(org: Org, batch_id: Annotated[str, typer.Argument(help="The print batch's id")]) -> None:
    """The batch went to the post: its letters become `sent`."""
    settings = get_settings()

    async def work() -> int:
        async with session_for(settings) as session:
            return await print_batches.mark_posted(session, org, batch_id)

    console.print(f"{run(work)} letters marked sent")


@letter_app.command("returned")
def returned(
    org: Org,
    notification_id: Annotated[str, typer.Argument(help="The letter's notification id")],
    reason: Annotated[str, typer.Option(help="e.g. 'verhuisd', 'adres onbekend'")] = "",
) -> None:
    """A letter came back: mark it `returned-letter`."""
    settings = get_settings()

    async def work() -> str:
        async with session_for(settings) as session:
            return await print_batches.mark_returned(session, org, notification_id, reason)

    console.print(f"letter {notification_id}: {run(work)}")
