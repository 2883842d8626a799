"""`messenger session create` and `messenger import`: a LAC session and its case list."""

from __future__ import annotations

import contextlib
import getpass
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from messenger.casework import case_list, cases
from messenger.casework.case_columns import sample_csv
from messenger.casework.case_import import ImportReport, parse_case_file
from messenger.casework.plan_preview import StepPreview
from messenger.cli.common import console, fail, run, session_for
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
            with _progress("rijen nakijken") as progress:
                report = parse_case_file(raw, context, progress=progress)
            if not report.ok:
                return report, [], 0
            if dry_run:
                with _progress("plannen") as progress:
                    rows = await case_list.preview_case_list(
                        db, lac, report, fingerprint=fingerprint, progress=progress
                    )
                return report, rows, 0
            with _progress("inlezen") as progress:
                done = await case_list.import_case_list(
                    db, lac, report, by=by, fingerprint=fingerprint, progress=progress
                )
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


@contextlib.contextmanager
def _progress(what: str) -> Iterator[Callable[[int, int], None]]:
    """A bar for long work, fed (done, total) after each row."""
    with Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task(what, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def sample() -> None:
    """Print a sample case list (CSV) with every column: messenger import-sample > lijst.csv"""
    sys.stdout.write(sample_csv())


def _plan(rows: list[case_list.RowPreview]) -> None:
    """Per client, every step with its Brussels time and channel, or why it cannot go."""
    lines = []
    shown: dict[StepPreview, tuple[str, ...]] = {}  # the list's cases share their steps
    for row in rows:
        for number, step in enumerate(row.steps):
            cells = shown.get(step) or shown.setdefault(step, _step_cells(step))
            lines.append(
                (str(row.row) if number == 0 else "", row.name if number == 0 else "", *cells)
            )
    _table(("rij", "cliënt", "stap", "wanneer (Brussel)", "kanaal", "waarom niet anders"), lines)


def _step_cells(step: StepPreview) -> tuple[str, ...]:
    why = step.skip or "; ".join(f"{c}: {w}" for c, w in step.passed_over)
    if step.missing:
        why = "; ".join(p for p in (why, f"ontbreekt: {', '.join(step.missing)}") if p)
    when = f"{to_brussels(step.due_at):%d/%m/%Y %H:%M %z}"
    return step.step, when, step.channel or "GEEN", why


def _errors(report: ImportReport) -> None:
    lines = [(str(e.row), e.column, e.message) for e in report.errors]
    _table(("rij", "kolom", "wat klopt er niet"), lines)


def _table(header: tuple[str, ...], lines: Sequence[tuple[str, ...]]) -> None:
    """Columns lined up, the last one as long as it is: plain lines, written at once. A list
    of 10,000 clients makes 40,000 lines, which a drawn table took minutes to lay out."""
    widths = [
        max([len(header[i]), *(len(line[i]) for line in lines)]) for i in range(len(header) - 1)
    ]

    def layout(cells: tuple[str, ...]) -> str:
        lined_up = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))
        return f"{lined_up}  {cells[-1]}".rstrip()

    console.print(layout(header), style="bold", markup=False, highlight=False, soft_wrap=True)
    console.file.write("".join(f"{layout(line)}\n" for line in lines))
    console.file.flush()
