"""Case lists uploaded as .xlsx: real workbooks built in memory with openpyxl."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime

import pytest
from openpyxl import Workbook

from messenger.casework.case_columns import SAMPLE, sample_csv
from messenger.casework.case_import import ImportContext, ImportReport, parse_case_file
from messenger.casework.spreadsheet import NotASpreadsheet, is_xlsx, read_xlsx
from messenger.platform.dates import BRUSSELS

HEADER = list(SAMPLE[0])
STAFF = [("id-1", "Jan Peeters"), ("id-2", "An De Smet")]
SESSION_START = datetime(2026, 12, 8, 10, 0, tzinfo=BRUSSELS)
CONTEXT = ImportContext(staff=STAFF, session_start=SESSION_START)


def xlsx(*rows: Sequence[object]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_cell_values(raw: bytes, replacements: dict[str, str]) -> bytes:
    """The workbook with cell values rewritten in the sheet's XML, e.g. '9000' → '9000.0'
    (how some programs store a whole number: openpyxl then reads a float)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for old, new in replacements.items():
                    assert f"<v>{old}</v>" in text
                    text = text.replace(f"<v>{old}</v>", f"<v>{new}</v>")
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def sara(cells: dict[str, object] | None = None) -> list[object]:
    """The sample's first row as a workbook row, with some cells replaced (by header name)."""
    row: list[object] = list(SAMPLE[1])
    for name, value in (cells or {}).items():
        row[HEADER.index(name)] = value
    return row


def one_case(raw: bytes, context: ImportContext = CONTEXT) -> ImportReport:
    report = parse_case_file(raw, context)
    assert report.errors == ()
    assert len(report.cases) == 1
    return report


def trimmed(rows: list[list[str]]) -> list[list[str]]:
    """Rows without the empty cells read past the last column."""
    out = []
    for row in rows:
        cells = list(row)
        while cells and cells[-1] == "":
            cells.pop()
        out.append(cells)
    return out


# --- is_xlsx ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        sample_csv().encode(),
        sample_csv().encode("utf-8-sig"),
        sample_csv().encode("utf-16"),
        b"",
        b"PK",
        b"voornaam;achternaam\r\nPK\x03\x04",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # an old .xls (OLE2) file
    ],
)
def test_other_content_is_not_xlsx(raw: bytes) -> None:
    assert is_xlsx(raw) is False


@pytest.mark.parametrize("raw", [xlsx(HEADER), b"PK\x03\x04", b"PK\x03\x04not a zip at all"])
def test_a_zip_signature_is_taken_for_xlsx(raw: bytes) -> None:
    assert is_xlsx(raw) is True


# --- read_xlsx -------------------------------------------------------------------------------


def test_a_workbook_reads_like_its_csv() -> None:
    rows = read_xlsx(xlsx(*SAMPLE), max_rows=10)
    assert trimmed(rows) == trimmed([list(row) for row in SAMPLE])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("Gent", "Gent"),
        (12, "12"),
        (9000, "9000"),
        (9000.0, "9000"),
        (470123456, "470123456"),
        (2.5, "2.5"),
        (True, "ja"),
        (False, "nee"),
        (datetime(2026, 12, 1, 14, 0), "2026-12-01 14:00"),
        (datetime(2026, 12, 1, 14, 30, 45), "2026-12-01 14:30"),
        (datetime(2026, 12, 1), "2026-12-01"),
    ],
)
def test_a_cell_reads_as_a_person_would_type_it(value: object, text: str) -> None:
    rows = read_xlsx(xlsx(["kolom", "x"], [value, "x"]), max_rows=10)
    assert rows[1][:2] == [text, "x"]


@pytest.mark.parametrize(("stored", "text"), [("9000.0", "9000"), ("470123456.0", "470123456")])
def test_a_whole_number_stored_as_a_float_loses_its_point_zero(stored: str, text: str) -> None:
    raw = with_cell_values(xlsx(["kolom"], [int(float(stored))]), {text: stored})
    assert read_xlsx(raw, max_rows=10)[1][0] == text


@pytest.mark.parametrize(("max_rows", "read"), [(1, 1), (2, 2), (3, 3), (10, 3)])
def test_at_most_max_rows_are_read(max_rows: int, read: int) -> None:
    assert len(read_xlsx(xlsx(*SAMPLE), max_rows=max_rows)) == read


def test_only_the_first_sheet_is_read() -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.append(["eerste"])
    workbook.create_sheet("tweede").append(["tweede"])
    out = io.BytesIO()
    workbook.save(out)
    assert trimmed(read_xlsx(out.getvalue(), max_rows=10)) == [["eerste"]]


@pytest.mark.parametrize(
    "raw",
    [
        b"PK\x03\x04",
        b"PK\x03\x04" + b"\x00" * 200,
        b"PK\x03\x04this is not a zip file at all",
    ],
)
def test_a_file_with_a_zip_signature_but_no_zip_is_refused(raw: bytes) -> None:
    with pytest.raises(NotASpreadsheet, match="geen leesbaar Excel-bestand"):
        read_xlsx(raw, max_rows=10)


def test_a_zip_that_is_no_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hallo")
    with pytest.raises(NotASpreadsheet, match="geen leesbaar Excel-bestand"):
        read_xlsx(out.getvalue(), max_rows=10)


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (100 * 1024 * 1024 + 1))
    raw = out.getvalue()
    assert len(raw) < 1024 * 1024
    with pytest.raises(NotASpreadsheet, match="te groot"):
        read_xlsx(raw, max_rows=10)


# --- parse_case_file with a workbook ---------------------------------------------------------


def test_the_sample_as_a_workbook_gives_the_same_cases_as_the_csv() -> None:
    from_xlsx = parse_case_file(xlsx(*SAMPLE), CONTEXT)
    from_csv = parse_case_file(sample_csv().encode(), CONTEXT)
    assert from_xlsx.errors == ()
    assert from_xlsx.cases == from_csv.cases
    assert len(from_xlsx.cases) == 2


@pytest.mark.parametrize("phone", [470123456, 470123456.0, "470123456", "0470 12 34 56"])
def test_a_phone_number_that_lost_its_leading_zero_is_still_read(phone: object) -> None:
    # A number cell drops the 0; phonenumbers reads the rest as a Belgian national number.
    report = one_case(xlsx(HEADER, sara({"gsm": phone})))
    assert report.cases[0].client.phone_number == "+32470123456"


def test_a_phone_number_with_the_country_code_but_no_plus_is_read() -> None:
    report = one_case(xlsx(HEADER, sara({"gsm": 32470123456})))
    assert report.cases[0].client.phone_number == "+32470123456"


@pytest.mark.parametrize("phone", [470123, 4701234567890])
def test_a_phone_cell_that_is_no_number_is_an_error(phone: int) -> None:
    report = parse_case_file(xlsx(HEADER, sara({"gsm": phone})), CONTEXT)
    assert report.cases == ()
    assert [(e.row, e.column) for e in report.errors] == [(2, "gsm")]
    assert f"Dit gsm-nummer klopt niet: {phone}." in report.errors[0].message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2026, 12, 1, 14, 0), datetime(2026, 12, 1, 14, 0, tzinfo=BRUSSELS)),
        (datetime(2026, 12, 7, 9, 30), datetime(2026, 12, 7, 9, 30, tzinfo=BRUSSELS)),
        (datetime(2026, 7, 1, 10, 0), datetime(2026, 7, 1, 10, 0, tzinfo=BRUSSELS)),
        ("1/12/2026 14u", datetime(2026, 12, 1, 14, 0, tzinfo=BRUSSELS)),
    ],
)
def test_a_date_cell_is_read_as_the_appointment(cell: object, expected: datetime) -> None:
    appointment = one_case(xlsx(HEADER, sara({"afspraak": cell}))).cases[0].appointment_at
    assert appointment == expected
    assert appointment is not None
    assert appointment.utcoffset() == expected.utcoffset()


def test_a_date_cell_without_a_time_is_not_an_appointment() -> None:
    report = parse_case_file(xlsx(HEADER, sara({"afspraak": datetime(2026, 12, 1)})), CONTEXT)
    assert report.cases == ()
    assert [(e.row, e.column) for e in report.errors] == [(2, "afspraak")]
    assert "kunnen we niet lezen: 2026-12-01" in report.errors[0].message


@pytest.mark.parametrize("cell", [datetime(2026, 12, 8, 10, 0), datetime(2026, 12, 9, 9, 0)])
def test_an_appointment_cell_at_or_after_the_session_is_refused(cell: datetime) -> None:
    report = parse_case_file(xlsx(HEADER, sara({"afspraak": cell})), CONTEXT)
    assert report.cases == ()
    assert [e.message for e in report.errors] == ["De afspraak moet voor de zitting vallen."]


@pytest.mark.parametrize(
    ("sms", "email", "expected"),
    [
        (True, True, (True, True)),
        (True, False, (True, False)),
        (False, True, (False, True)),
        (False, False, (False, False)),
        (True, None, (True, None)),
        (None, None, (None, None)),
        (1, 0, (True, False)),
    ],
)
def test_true_and_false_cells_are_read_as_ja_and_nee_for_consent(
    sms: object, email: object, expected: tuple[bool | None, bool | None]
) -> None:
    row = sara({"toestemming sms": sms})
    row[HEADER.index("toestemming e-mail")] = email
    client = one_case(xlsx(HEADER, row)).cases[0].client
    assert (client.consent_sms, client.consent_email) == expected


@pytest.mark.parametrize(("cell", "expected"), [(True, True), (False, False), (None, False)])
def test_true_and_false_cells_are_read_for_the_safety_flags(cell: object, expected: bool) -> None:
    row = sara({"geen sms": cell})
    row[HEADER.index("geen brieven thuis")] = cell
    client = one_case(xlsx(HEADER, row)).cases[0].client
    assert (client.no_sms, client.no_letters_at_home) == (expected, expected)


@pytest.mark.parametrize("postcode", [9000, 9000.0, "9000"])
def test_a_postcode_stored_as_a_number_is_read_as_four_digits(postcode: object) -> None:
    client = one_case(xlsx(HEADER, sara({"postcode": postcode}))).cases[0].client
    assert client.address_lines[-1] == "9000 Gent"


def test_a_postcode_stored_as_a_float_in_the_file_is_read_as_four_digits() -> None:
    raw = with_cell_values(xlsx(HEADER, sara({"postcode": 9000})), {"9000": "9000.0"})
    assert one_case(raw).cases[0].client.address_lines[-1] == "9000 Gent"


@pytest.mark.parametrize(("number", "bus"), [(12, 2), (12.0, 2.0)])
def test_house_and_bus_numbers_stored_as_numbers(number: object, bus: object) -> None:
    client = one_case(xlsx(HEADER, sara({"huisnummer": number, "bus": bus}))).cases[0].client
    assert "Kerkstraat 12 bus 2" in client.address_lines


def test_a_national_number_typed_as_a_number_is_read() -> None:
    client = one_case(xlsx(HEADER, sara({"insz": 85073003328}))).cases[0].client
    assert client.national_number == "85073003328"


def test_a_national_number_that_lost_its_leading_zero_is_refused() -> None:
    # 05010100014 typed as a number: Excel keeps 5010100014, ten digits.
    report = parse_case_file(xlsx(HEADER, sara({"insz": 5010100014})), CONTEXT)
    assert report.cases == ()
    assert [(e.row, e.column) for e in report.errors] == [(2, "insz")]
    assert "rijksregisternummer klopt niet" in report.errors[0].message
    assert "11 cijfers" in report.errors[0].message


def test_a_worker_named_in_the_workbook_is_found() -> None:
    report = one_case(xlsx(HEADER, sara({"maatschappelijk werker": "an de smet"})))
    assert report.cases[0].worker_id == "id-2"


def test_errors_in_a_workbook_name_the_excel_row_and_the_column() -> None:
    report = parse_case_file(
        xlsx(HEADER, [], [], sara({"gsm": "0470 12", "e-mail": "geen-adres"})), CONTEXT
    )  # the blank rows count: row 4 as Excel shows it
    assert report.cases == ()
    assert [(e.row, e.column) for e in report.errors] == [(4, "gsm"), (4, "e-mail")]


@pytest.mark.parametrize(
    "raw",
    [b"PK\x03\x04", b"PK\x03\x04" + b"\x00" * 100, b"PK\x03\x04corrupt workbook"],
)
def test_a_corrupt_workbook_is_one_error(raw: bytes) -> None:
    report = parse_case_file(raw, CONTEXT)
    assert report.cases == ()
    assert report.rows == 0
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.row, error.column) == (1, "")
    assert "geen leesbaar Excel-bestand" in error.message


def test_an_empty_workbook_is_empty() -> None:
    report = parse_case_file(xlsx(), CONTEXT)
    assert [e.message for e in report.errors] == ["Het bestand is leeg."]


def test_a_workbook_with_only_the_header_has_no_clients() -> None:
    report = parse_case_file(xlsx(HEADER), CONTEXT)
    assert report.cases == ()
    assert "geen cliënten" in report.errors[0].message


def test_csv_bytes_are_parsed_as_csv() -> None:
    report = parse_case_file(sample_csv().encode("cp1252"), CONTEXT)
    assert report.errors == ()
    assert len(report.cases) == 2
