"""The columns of a case list: dates and times as people write them, unknown column names,
and the sample file the API and the CLI hand out."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from messenger.casework.case_columns import (
    HEADER_ALIASES,
    HEADERS,
    SAMPLE,
    fold,
    parse_local_datetime,
    sample_csv,
    unknown_column,
)
from messenger.casework.case_import import ImportContext, parse_case_list
from messenger.platform.dates import BRUSSELS

# --- parse_local_datetime --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-01 14:00", (2026, 12, 1, 14, 0)),
        ("2026-12-01 14:00:00", (2026, 12, 1, 14, 0)),
        ("2026-12-1 9:05", (2026, 12, 1, 9, 5)),
        ("2026-12-01 14u30", (2026, 12, 1, 14, 30)),
        ("1/12/2026 14:00", (2026, 12, 1, 14, 0)),
        ("01/12/2026 14:00", (2026, 12, 1, 14, 0)),
        ("01-12-2026 14u30", (2026, 12, 1, 14, 30)),
        ("01-12-2026 14U30", (2026, 12, 1, 14, 30)),
        ("1.12.2026 14u", (2026, 12, 1, 14, 0)),
        ("1.12.2026 14.15", (2026, 12, 1, 14, 15)),
        ("1/12/2026 14h30", (2026, 12, 1, 14, 30)),
        ("1/12/2026 14h", (2026, 12, 1, 14, 0)),
        ("  1/12/2026 14:00  ", (2026, 12, 1, 14, 0)),
        ("29/02/2028 10:00", (2028, 2, 29, 10, 0)),
    ],
)
def test_dates_and_times_as_people_write_them(
    raw: str, expected: tuple[int, int, int, int, int]
) -> None:
    moment = parse_local_datetime(raw)
    assert moment is not None
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == expected
    assert moment.tzinfo is BRUSSELS


@pytest.mark.parametrize("raw", ["2026-12-01T14:00", "2026-12-01T14:00:00"])
def test_the_iso_t_separator_is_read(raw: str) -> None:
    assert parse_local_datetime(raw) == datetime(2026, 12, 1, 14, 0, tzinfo=BRUSSELS)


@pytest.mark.parametrize(
    "raw",
    [
        "31/02/2026 10:00",  # no 31 February
        "29/02/2026 10:00",  # 2026 is no leap year
        "2026-13-01 10:00",
        "2026-00-10 10:00",
        "32/12/2026 10:00",
        "1/12/2026 24:00",
        "1/12/2026 14:60",
    ],
)
def test_impossible_dates_and_times_are_none(raw: str) -> None:
    assert parse_local_datetime(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "morgen",
        "dinsdag 1 december om 14 uur",
        "1/12/2026",  # a date without a time
        "2026-12-01",
        "14:00",
        "1/12/26 14:00",  # a two-digit year
        "12/1/2026 2:00 PM",
        "2026/12/01 14:00",
        "1/12/2026 14:0",
        "1/12/2026 14:00 extra",
    ],
)
def test_garbage_is_none(raw: str) -> None:
    assert parse_local_datetime(raw) is None


@pytest.mark.parametrize(
    ("raw", "offset_hours"),
    [
        ("1/12/2026 14:00", 1),  # winter time
        ("15/01/2027 09:00", 1),
        ("1/07/2026 14:00", 2),  # summer time
        ("2026-08-15 10:00", 2),
        ("28/03/2026 12:00", 1),  # the day before the change to summer time
        ("29/03/2026 12:00", 2),  # the day of it
        ("25/10/2026 12:00", 1),  # back to winter time
    ],
)
def test_the_result_is_brussels_time(raw: str, offset_hours: int) -> None:
    moment = parse_local_datetime(raw)
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=offset_hours)


# --- unknown_column --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "suggestion"),
    [
        ("Gsm-nr", "gsm"),
        ("GSM nr.", "gsm"),
        ("Mail", "e-mail"),
        ("E-mail adres", "e-mail"),
        ("Voornamen", "voornaam"),
        ("Achternam", "achternaam"),
        ("Postkode", "postcode"),
        ("Watermaatschapij", "watermaatschappij"),
        ("Rijksregisternr", "insz"),
    ],
)
def test_an_unknown_column_suggests_the_dutch_name_of_the_closest(
    cell: str, suggestion: str
) -> None:
    message = unknown_column(cell)
    assert message.startswith(f"Deze kolom kennen we niet: '{cell}'.")
    assert f"Bedoelt u '{suggestion}'?" in message
    assert "voorbeeldbestand" in message


@pytest.mark.parametrize("cell", ["Kleur", "Haarkleur", "Geboortedatum", "Q", "123"])
def test_an_unknown_column_without_a_close_one_gets_no_suggestion(cell: str) -> None:
    message = unknown_column(cell)
    assert f"'{cell}'" in message
    assert "Bedoelt u" not in message
    assert "voorbeeldbestand" in message


# --- the sample file -------------------------------------------------------------------------


def sample_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(sample_csv(), newline=""), delimiter=";"))


def test_the_sample_uses_the_belgian_excel_separator_and_windows_line_ends() -> None:
    text = sample_csv()
    assert text.splitlines()[0].count(";") == len(SAMPLE[0]) - 1
    assert text.endswith("\r\n")
    assert text.count("\r\n") == len(SAMPLE)


def test_the_sample_reads_back_as_written() -> None:
    assert sample_rows() == [list(row) for row in SAMPLE]


@pytest.mark.parametrize("row", SAMPLE[1:])
def test_every_sample_row_has_a_cell_per_column(row: tuple[str, ...]) -> None:
    assert len(row) == len(SAMPLE[0])


def test_the_sample_parses_into_two_cases_without_errors() -> None:
    report = parse_case_list(sample_csv(), ImportContext(staff=[("id-1", "Jan Peeters")]))
    assert report.errors == ()
    assert report.ok
    assert report.rows == 2
    assert [(c.client.first_name, c.client.last_name) for c in report.cases] == [
        ("Sara", "Janssens"),
        ("Karim", "El Amrani"),
    ]
    sara, karim = report.cases
    assert sara.worker_id == "id-1"
    assert sara.client.national_number == "00000000196"
    assert sara.client.phone_number == "+32470123456"
    assert (sara.client.consent_sms, sara.client.consent_email) == (True, True)
    assert karim.client.shared_phone is True
    assert karim.client.language == "fr"
    assert karim.reason == "reconnection"


@pytest.mark.parametrize("name", SAMPLE[0])
def test_every_sample_column_is_a_known_column(name: str) -> None:
    assert fold(name) in HEADERS


def test_the_sample_shows_every_column_but_the_deliberately_left_out_ones() -> None:
    shown = {HEADERS[fold(name)] for name in SAMPLE[0]}
    # Left out on purpose: 'remark' is free text about the person that Messenger never reads
    # in, so the sample should not invite people to fill it.
    assert set(HEADER_ALIASES) - shown == {"remark"}


def test_no_two_sample_columns_mean_the_same() -> None:
    fields = [HEADERS[fold(name)] for name in SAMPLE[0]]
    assert len(fields) == len(set(fields))


@pytest.mark.parametrize(
    ("alias", "field"),
    [
        ("E-mail", "email"),
        ("EMAIL", "email"),
        ("Prénom", "first_name"),
        ("prenom", "first_name"),
        ("Gedeelde GSM", "shared_phone"),
        ("Code postal", "postcode"),
        ("address_line_1", "street"),
        ("Rijksregisternummer", "national_number"),
    ],
)
def test_aliases_match_after_folding(alias: str, field: str) -> None:
    assert HEADERS[fold(alias)] == field
