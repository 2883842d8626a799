"""No CSV that Messenger writes can carry a spreadsheet formula, and a case list refuses names
and references that look like one."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from messenger.casework.case_import import parse_case_list
from messenger.messages import print_batches
from messenger.platform.csv_files import safe_cell, write_csv
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.support import Tenant, letter_body
from tests.test_print_batches import _after_cutoff, _wait_for_print

FORMULAS = ['=HYPERLINK("http://evil.example","klik")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_becomes_text(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Kerkstraat 1", "9000", "1,5", "", None, 3, "a=b", "x-1"])
def test_ordinary_values_stay_as_they_are(value: object) -> None:
    assert safe_cell(value) == ("" if value is None else str(value))


def test_every_cell_is_written_safe_and_read_back_whole() -> None:
    text = write_csv([["ref", "note"], ["=1+1", 'a;b "c"']], delimiter=";")
    assert list(csv.reader(io.StringIO(text), delimiter=";")) == [
        ["ref", "note"],
        ["'=1+1", 'a;b "c"'],
    ]


async def test_the_print_room_manifest_neutralises_a_formula_in_a_reference(
    print_api: str, print_settings: Settings, sessions: Sessions, tenant: Tenant
) -> None:
    async with httpx.AsyncClient(base_url=print_api) as client:
        sent = await client.post(
            "/v2/notifications/letter",
            json=letter_body(reference=FORMULAS[0]),
            headers=tenant.headers(),
        )
        assert sent.status_code == 201, sent.text
        await _wait_for_print(sessions, [sent.json()["id"]])
        await print_batches.collate(sessions, print_settings, now=_after_cutoff())
        listed = await client.get("/v2/print-batches", headers=tenant.headers())
        [batch] = listed.json()["print_batches"]
        manifest = await client.get(
            f"/v2/print-batches/{batch['id']}/manifest", headers=tenant.headers()
        )
    [row] = list(csv.DictReader(io.StringIO(manifest.text)))
    assert row["reference"] == "'" + FORMULAS[0]


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+32470", "-1", "@SUM(1)"])
@pytest.mark.parametrize("column", ["Achternaam", "Referentie"])
def test_a_case_list_refuses_a_formula_as_a_name_or_reference(value: str, column: str) -> None:
    header = "Voornaam;Achternaam;Straat;Postcode;Gemeente;Watermaatschappij;Referentie"
    cells = {"Achternaam": "Peeters", "Referentie": "FA-1"} | {column: value}
    row = f"Lies;{cells['Achternaam']};Kerkstraat 1;9000;Gent;Farys;{cells['Referentie']}"
    report = parse_case_list(f"{header}\n{row}\n")
    assert (2, column) in [(e.row, e.column) for e in report.errors]
    assert any("formule" in e.message for e in report.errors if e.column == column)
