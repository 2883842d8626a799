"""Every CSV file Messenger writes goes through here, so none can carry a spreadsheet formula.

A cell that starts with =, +, -, @, a tab or a carriage return is read as a formula by Excel
and LibreOffice ("CSV injection"): such a cell gets a leading apostrophe, which spreadsheets
show as text and do not display. A reference such as "=HYPERLINK(…)" then stays a reference.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Iterable[object]], *, delimiter: str = ",") -> str:
    """The rows as CSV text (CRLF line ends, as spreadsheets write them), every cell safe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
