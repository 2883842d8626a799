"""`messenger session create` and `messenger import`: a LAC session and its case list."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from messenger.casework import case_list, cases
from messenger.casework.case_columns import sample_csv
from messenger.casework.case_import import ImportReport, parse_case_file
from messenger.cli.common import console, fail, run, session_for, wide
from messenger.platform.dates import to_brussels
from messenger.platform.encryption import secret_box
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
    file: Annotated[
        Path, typer.Argument(help="The case list: CSV (',' or ';') or Excel (.xlsx)", exists=True)
    ],
    org: Org,
    session: Annotated[str, typer.Option("--session", help="The LAC session's id")],
    dry_run: Annotated[
        bool, typer.Option(help="Check every row and show the plan; import nothing")
    ] = False,
    by: Annotated[
        str, typer.Option(help="Who imports: recorded with the consent from the list")
    ] = f"cli:{getpass.getuser()}",
) -> None:
    """Check every row of a case list, then import all of it, or nothing, and show the plan."""
    settings = get_settings()
    raw = file.read_bytes()
    fingerprint = secret_box(settings).fingerprint

    async def work() -> tuple[ImportReport, list[case_list.RowPreview], int]:
        async with session_for(settings) as db:
            lac = await cases.own_session(db, org, session)
            context = await case_list.import_context(db, lac)
            with Progress(
                TextColumn("rijen nakijken"), BarColumn(), MofNCompleteColumn(), console=console
            ) as progress:
                task = progress.add_task("check", total=None)
                report = parse_case_file(
                    raw,
                    context,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
            if not report.ok:
                return report, [], 0
            if dry_run:
                rows = await case_list.preview_case_list(db, lac, report, fingerprint=fingerprint)
                return report, rows, 0
            done = await case_list.import_case_list(db, lac, report, by=by, fingerprint=fingerprint)
            await db.commit()
            shown = [
                case_list.RowPreview(
                    d.row, f"{d.client.first_name} {d.client.last_name}", d.reused, d.steps,
                    d.unreachable,
                )
                for d in done
            ]  # fmt: skip
            return report, shown, len(done)

    report, rows, imported = run(work)
    if not report.ok:
        _errors(report)
        errors = f"{len(report.errors)} {'fout' if len(report.errors) == 1 else 'fouten'}"
        fail(f"{errors} in {report.rows} rijen; er is niets ingelezen")
    _plan(rows)
    unreachable = sum(1 for r in rows if r.unreachable)
    if dry_run:
        console.print(f"{report.rows} rijen, geen fouten (niets ingelezen: --dry-run)")
    else:
        known = sum(1 for r in rows if r.reused)
        console.print(
            f"{imported} dossiers ingelezen ({known} gekende cliënten), met hun herinneringen"
        )
    if unreachable:
        console.print(
            f"{unreachable} cliënten kunnen we niet bereiken: "
            + ("zij krijgen een taak in de inbox" if not dry_run else "vul hun gegevens aan")
        )


def sample() -> None:
    """Print a sample case list (CSV) with every column: messenger import-sample > lijst.csv"""
    sys.stdout.write(sample_csv())


def _plan(rows: list[case_list.RowPreview]) -> None:
    """Per client, every step with its Brussels time and channel, or why it cannot go."""
    table = Table("rij", "cliënt", "stap", "wanneer (Brussel)", "kanaal", "waarom niet anders")
    for row in rows:
        for number, step in enumerate(row.steps):
            why = step.skip or "; ".join(f"{c}: {w}" for c, w in step.passed_over)
            if step.missing:
                why = "; ".join(p for p in (why, f"ontbreekt: {', '.join(step.missing)}") if p)
            table.add_row(
                str(row.row) if number == 0 else "",
                row.name if number == 0 else "",
                step.step,
                f"{to_brussels(step.due_at):%d/%m/%Y %H:%M %z}",
                step.channel or "[bold]geen[/bold]",
                why,
            )
    wide(console).print(table)


def _errors(report: ImportReport) -> None:
    table = Table("rij", "kolom", "wat klopt er niet")
    for error in report.errors:
        table.add_row(str(error.row), error.column, error.message)
    wide(console).print(table)
