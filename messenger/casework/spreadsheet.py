"""An uploaded XLSX workbook as rows of text, the way a CSV file reads (openpyxl).

The first sheet only, values not formulas, read in openpyxl's streaming mode. Bounded: a
workbook that unpacks to too much is refused before it is parsed (a zip bomb is a few KB).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

XLSX_MAGIC = b"PK\x03\x04"
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COLUMNS = 60


class NotASpreadsheet(ValueError):
    pass


def is_xlsx(raw: bytes) -> bool:
    return raw.startswith(XLSX_MAGIC)


def read_xlsx(raw: bytes, *, max_rows: int) -> list[list[str]]:
    """The first sheet's rows as text (at most `max_rows`; a longer sheet stops there)."""
    from openpyxl import load_workbook  # only imports that read a workbook pay for it

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise NotASpreadsheet("Dit is geen leesbaar Excel-bestand (.xlsx).") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise NotASpreadsheet("Dit Excel-bestand is te groot: bewaar het als CSV of splits het.")
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise NotASpreadsheet("Dit is geen leesbaar Excel-bestand (.xlsx).") from exc
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append([_text(value) for value in values])
            if len(rows) >= max_rows:
                break
        return rows
    finally:
        workbook.close()


def _text(value: object) -> str:
    """A cell as a person would have typed it in a CSV file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time() else f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | Decimal) and value == int(value):
        # Excel stores 9000 as 9000.0 and a phone number typed as a number loses its 0.
        return str(int(value))
    return str(value)
