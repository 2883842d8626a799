"""`messenger templates check`: the linter over the shipped templates (or a folder);
`messenger templates table`: their scores, SMS parts and pages as a Markdown table."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from messenger.cli.common import console, fail, wide
from messenger.wording.lint import ACCENTED, LONG, LintReport
from messenger.wording.sms_encoding import SmsInfo
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


@templates_app.command("table")
def table(
    folder: Annotated[
        Path | None, typer.Option(help="A templates folder (default: the shipped one)")
    ] = None,
) -> None:
    """Print a Markdown table of every template: readability, SMS parts or pages, each with
    the example values and with the long values (as in the issue's closing note)."""
    try:
        reports = check_files(folder)
    except (TemplateFileError, OSError) as exc:
        fail(str(exc))
    typer.echo(markdown_table(reports))


TABLE_HEADER = (
    "| sjabloon | taal | soort | Flesch-Douma (voorbeelden) | Flesch-Douma (lange waarden) "
    "| delen of pagina's (voorbeelden) | delen of pagina's (lange waarden) "
    "| sms met accenten (Anaïs) | ok |"
)


def markdown_table(reports: list[LintReport]) -> str:
    rows = [TABLE_HEADER, "|" + "---|" * TABLE_HEADER.count(" | ") + "---|"]
    for report in sorted(reports, key=lambda r: (r.name, r.language)):
        long = report.with_values(LONG)
        accented = report.with_values(ACCENTED)
        cells = [
            f"`{report.name}`",
            report.language,
            report.kind,
            _score(report.flesch_douma),
            _score(long.flesch_douma if long else None),
            _size(report.kind, report.sms, report.transliterated_sms, report.pages),
            _size(report.kind, *((long.sms, long.transliterated_sms, long.pages) if long else ())),
            _size("sms", accented.sms, accented.transliterated_sms, None) if accented else "—",
            _verdict(report),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _score(score: float | None) -> str:
    return "—" if score is None else f"{score:.0f}"


def _size(
    kind: str,
    sms: SmsInfo | None = None,
    transliterated: SmsInfo | None = None,
    pages: int | None = None,
) -> str:
    if kind == "sms" and sms is not None:
        sent = transliterated or sms
        parts = "1 deel" if sent.segments == 1 else f"{sent.segments} delen"
        return parts if sent.encoding == "GSM-7" else f"{parts} (UCS-2)"
    if kind in ("letter", "card") and pages is not None:
        return "1 pagina" if pages == 1 else f"{pages} pagina's"
    return "—"


def _verdict(report: LintReport) -> str:
    errors = len(report.errors)
    return "ja" if not errors else f"nee ({errors} {'fout' if errors == 1 else 'fouten'})"
