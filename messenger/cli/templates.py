"""`messenger templates check`: the linter over the shipped templates (or a folder)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from messenger.cli.common import console, fail, wide
from messenger.wording.lint import LintReport
from messenger.wording.template_check import check_files
from messenger.wording.template_files import TemplateFileError

templates_app = typer.Typer(help="Message templates.", no_args_is_help=True)


@templates_app.command("check")
def check(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON report for machines")] = False,
    folder: Annotated[
        Path | None, typer.Option(help="A templates folder (default: the shipped one)")
    ] = None,
) -> None:
    """Lint every template: plain language, readability, SMS encoding, discretion, pages.

    Exits 1 when any template has an error, so it can guard a commit or a deploy.
    """
    try:
        reports = check_files(folder)
    except (TemplateFileError, OSError) as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps([_as_dict(r) for r in reports], ensure_ascii=False, indent=2))
    else:
        _table(reports)
    if any(not r.ok for r in reports):
        raise typer.Exit(1)


def _as_dict(report: LintReport) -> dict[str, object]:
    data = asdict(report)
    data["ok"] = report.ok
    data.pop("extra", None)
    return data


def _table(reports: list[LintReport]) -> None:
    table = Table("template", "taal", "soort", "leesbaarheid", "sms", "pagina's", "bevindingen")
    for report in reports:
        sms = f"{report.sms.encoding}, {report.sms.segments} deel" if report.sms else ""
        findings = "\n".join(f"{f.severity}: {f.message}" for f in report.findings) or "ok"
        table.add_row(
            report.name,
            report.language,
            report.kind,
            f"{report.flesch_douma:.0f}" if report.flesch_douma is not None else "",
            sms,
            str(report.pages or ""),
            findings,
        )
    wide(console).print(table)
    errors = sum(len(r.errors) for r in reports)
    console.print(f"{len(reports)} templates, {errors} errors")
