"""`messenger session create` and `messenger import`: a LAC session and its case list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from messenger.casework import cases
from messenger.casework.case_import import ImportReport, decode_csv, parse_case_list
from messenger.cli.common import console, fail, run, session_for, wide
from messenger.platform.settings import get_settings

session_app = typer.Typer(help="LAC sessions.", no_args_is_help=True)
Org = Annotated[str, typer.Option("--org", help="The organisation's id")]


@session_app.command("create")
def create(
    org: Org,
    starts_at: Annotated[str, typer.Option(help="e.g. 2026-12-08T10:00 (Brussels time)")],
    place: Annotated[str, typer.Option(help="Where the session is held")],
) -> None:
    """Plan a LAC session and print its id."""
    from messenger.platform.dates import to_brussels

    settings = get_settings()

    async def work() -> str:
        moment = to_brussels(starts_at)
        async with session_for(settings) as session:
            lac = await cases.create_session(session, org, moment, place)
            await session.commit()
            return lac.id

    print(run(work))


def import_case_list(
    file: Annotated[Path, typer.Argument(help="The case list (CSV, ',' or ';')", exists=True)],
    org: Org,
    session: Annotated[str, typer.Option("--session", help="The LAC session's id")],
    dry_run: Annotated[bool, typer.Option(help="Check every row; import nothing")] = False,
) -> None:
    """Check every row of a case list, then import all of it, or nothing."""
    settings = get_settings()
    text = decode_csv(file.read_bytes())
    with Progress(
        TextColumn("rijen nakijken"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("check", total=None)
        report = parse_case_list(
            text, progress=lambda done, total: progress.update(task, completed=done, total=total)
        )
    if not report.ok:
        _errors(report)
        fail(f"{len(report.errors)} fouten in {report.rows} rijen; er is niets ingelezen")
    if dry_run:
        console.print(f"{report.rows} rijen, geen fouten (niets ingelezen: --dry-run)")
        return

    async def work() -> int:
        async with session_for(settings) as db:
            lac = await cases.own_session(db, org, session)
            made = await cases.import_cases(db, lac, report)
            await db.commit()
            return len(made)

    console.print(f"{run(work)} dossiers ingelezen, met hun herinneringen")


def _errors(report: ImportReport) -> None:
    table = Table("rij", "kolom", "wat klopt er niet")
    for error in report.errors:
        table.add_row(str(error.row), error.column, error.message)
    wide(console).print(table)
