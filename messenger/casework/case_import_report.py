"""What checking a case list gives: its cases, or its errors, one per cell to fix.

Plain values only (the reading is in case_import.py, the checks of a row in case_row_checks.py),
so the same report goes from a worker thread to the code that writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

# Called after each row with (rows done, rows in all).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportedClient:
    first_name: str
    last_name: str
    language: str
    phone_number: str | None
    email: str | None
    address_lines: tuple[str, ...]
    no_sms: bool
    no_letters_at_home: bool
    shared_phone: bool
    national_number: str | None = None
    # Consent as the client gave it at intake: True, False (refused), None (not asked).
    consent_sms: bool | None = None
    consent_email: bool | None = None


@dataclass(frozen=True)
class ImportedCase:
    client: ImportedClient
    reason: str
    water_company: str
    reference: str | None
    row: int
    worker_id: str | None = None
    appointment_at: datetime | None = None


@dataclass(frozen=True)
class ImportContext:
    """What the database knows that a row is checked against."""

    # (id, name) of the organisation's active staff: the worker column names one of them.
    staff: Sequence[tuple[str, str]] = ()
    # The session's start: an appointment must come before it.
    session_start: datetime | None = None


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it: the header is row 1
    column: str  # the header as written in the file ("" for the row as a whole)
    message: str


@dataclass(frozen=True)
class ImportReport:
    cases: tuple[ImportedCase, ...]
    errors: tuple[RowError, ...]
    rows: int
    # The session's short place for SMS, from the "plaats kort" column (one value for all).
    place_short: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors
