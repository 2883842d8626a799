"""A session's case list from a CSV or XLSX file (as an OCMW or a water company exports it).

Pure: no database, no I/O. `parse_case_file` checks every row, collects every error (like
Notify's CSV check) and returns all cases or none, so the caller never half-imports a file.
This module reads the file and its header; the checks of a row are in case_row_checks.py and
what a check gives in case_import_report.py. What the database knows (the staff, the
session's date) comes in as plain values.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
from collections.abc import Iterator

from messenger.casework.case_columns import HEADERS, decode_csv, fold, label, unknown_column
from messenger.casework.case_import_report import (
    ImportContext,
    ImportedCase,
    ImportedClient,
    ImportReport,
    Progress,
    RowError,
)
from messenger.casework.case_row_checks import (
    CaseRow,
    Header,
    Seen,
    check_place_short,
    check_row,
    staff_lookup,
)
from messenger.casework.spreadsheet import NotASpreadsheet, is_xlsx, read_xlsx

__all__ = [
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "ImportContext",
    "ImportReport",
    "ImportedCase",
    "ImportedClient",
    "Progress",
    "RowError",
    "collector_paused",
    "parse_case_file",
    "parse_case_list",
    "parse_records",
]

REQUIRED_COLUMNS = ("first_name", "last_name", "water_company")
MAX_ROWS = 20_000


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for the work on one list. Its rows make hundreds of
    thousands of objects that live until the answer is sent, and the collector went over
    them again and again: a fifth of the time of an import. Nothing here makes cycles;
    reference counting frees the rest as before."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _delimiter(text: str) -> tuple[str, str]:
    """The delimiter, and the text without Excel's "sep=;" line (Excel does not show it)."""
    first, _, rest = text.partition("\n")
    if first.strip().casefold().startswith("sep=") and len(first.strip()) == 5:
        return first.strip()[4], rest
    # Counting in the header line is enough: header names hold no ';' or ','.
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(";,\t", key=header.count) if any(d in header for d in ";,\t") else ",", text


def _read_header(cells: list[str], row: int) -> tuple[Header, list[RowError]]:
    header: Header = {}
    errors: list[RowError] = []
    for position, cell in enumerate(c.strip() for c in cells):
        field = HEADERS.get(fold(cell))
        if field is None:
            if cell:  # a column we do not know is an error, never silently dropped
                errors.append(RowError(row, cell, unknown_column(cell)))
        elif field in header:
            twice = f"'{header[field][1]}' en '{cell}' betekenen hetzelfde"
            errors.append(RowError(row, cell, f"Deze kolom staat er twee keer: {twice}."))
        else:
            header[field] = (position, cell)
    missing = [label(f) for f in REQUIRED_COLUMNS if f not in header]
    if missing:
        noun = "Deze kolom ontbreekt" if len(missing) == 1 else "Deze kolommen ontbreken"
        errors.insert(0, RowError(row, ", ".join(missing), f"{noun}: {', '.join(missing)}."))
    return header, errors


def parse_case_file(
    raw: bytes, context: ImportContext | None = None, *, progress: Progress | None = None
) -> ImportReport:
    """A case list as uploaded: XLSX (by its content, not its name) or CSV."""
    with collector_paused():
        if is_xlsx(raw):
            try:
                records = read_xlsx(raw, max_rows=MAX_ROWS + 1)
            except NotASpreadsheet as exc:
                return ImportReport((), (RowError(1, "", str(exc)),), 0)
            return parse_records(records, context, progress=progress)
        return parse_case_list(decode_csv(raw), context, progress=progress)


def parse_case_list(
    text: str, context: ImportContext | None = None, *, progress: Progress | None = None
) -> ImportReport:
    """Check every row of a CSV case list: all cases if every row is right, else only errors."""
    delimiter, text = _delimiter(text.removeprefix("\ufeff"))
    try:  # newline="" keeps line breaks inside quoted cells
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:  # e.g. a cell over csv's size limit: not a case list
        return ImportReport((), (RowError(1, "", f"Dit is geen leesbaar CSV-bestand: {exc}."),), 0)
    return parse_records(records, context, progress=progress)


def parse_records(
    records: list[list[str]],
    context: ImportContext | None = None,
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row (the first non-empty one holds the column names)."""
    context = context or ImportContext()
    # Row numbers count every record, blank ones too, so they match the row in Excel.
    numbered = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not numbered:
        return ImportReport((), (RowError(1, "", "Het bestand is leeg."),), 0)
    (header_row, cells), data = numbered[0], numbered[1:]
    if not data:
        message = "Er staan geen cliënten in het bestand, alleen de namen van de kolommen."
        return ImportReport((), (RowError(header_row + 1, "", message),), 0)
    if len(data) > MAX_ROWS:
        message = f"Het bestand heeft meer dan {MAX_ROWS} rijen: splits het in delen."
        return ImportReport((), (RowError(header_row, "", message),), len(data))
    header, errors = _read_header(cells, header_row)
    if errors:
        return ImportReport((), tuple(errors), len(data))
    order = {written: position for position, written in header.values()}  # left to right
    cases: list[ImportedCase] = []
    seen: Seen = {}
    staff = staff_lookup(context.staff)
    place_short: tuple[int, str] | None = None  # (row, value) of the first one given
    for done, (row, record) in enumerate(data, start=1):
        r = CaseRow(record, row, header)
        case = check_row(r, seen, context, staff)
        place_short = check_place_short(r, place_short)
        if r.errors:
            errors += sorted(r.errors, key=lambda e: order.get(e.column, len(order)))
        if case is not None:
            cases.append(case)
        if progress is not None:
            progress(done, len(data))
    return ImportReport(
        () if errors else tuple(cases),
        tuple(errors),
        len(data),
        None if errors or place_short is None else place_short[1],
    )
