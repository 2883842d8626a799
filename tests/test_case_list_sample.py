"""The sample case list, from the API and from the CLI: as Excel in Belgium writes it (a BOM,
';'), every column, and accepted by the import itself once its social worker is on the staff."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from messenger.casework.case_columns import HEADER_ALIASES, HEADERS, fold, label
from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from tests.casework_api_support import counts, created, errors, keyed, new_session, upload
from tests.conftest import make_tenant
from tests.support import Tenant
from tests.test_cli import MESSENGER, make_cli

SAMPLE = "/v2/case-list/sample.csv"
BOM = "\ufeff".encode()
WORKER_COLUMN = "maatschappelijk werker"


@pytest.fixture
async def http(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api) as client:
        yield client


@pytest.fixture
async def other(sessions: Sessions, settings: Settings) -> Tenant:
    return await make_tenant(sessions, settings, "OCMW Brugge")


async def sample(http: httpx.AsyncClient, tenant: Tenant) -> bytes:
    response = await http.get(SAMPLE, headers=tenant.headers())
    assert response.status_code == 200, response.text
    return response.content


async def add_jan(http: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    found: dict[str, str] = await created(http, "/v2/staff", tenant, {"name": "Jan Peeters"})
    return found


def rows(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


async def test_the_sample_is_csv_as_excel_in_belgium_writes_it(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions, settings: Settings
) -> None:
    response = await http.get(SAMPLE, headers=tenant.headers())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "charset=utf-8" in response.headers["content-type"]
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and ".csv" in disposition
    raw = response.content
    assert raw.startswith(BOM)  # so Excel reads the accents as UTF-8
    text = raw.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")

    header, *examples = rows(raw)
    # Columns by their Dutch names, each a column the import knows, each once.
    fields = [HEADERS[fold(name)] for name in header]
    assert len(set(fields)) == len(fields) == 23
    assert header[:2] == ["voornaam", "achternaam"] and WORKER_COLUMN in header
    assert text.splitlines()[0].count(";") == len(header) - 1
    assert [len(row) for row in examples] == [len(header)] * 2
    named = [dict(zip(header, row, strict=True)) for row in examples]
    assert [(r["voornaam"], r["achternaam"]) for r in named] == [
        ("Sara", "Janssens"),
        ("Karim", "El Amrani"),
    ]
    assert named[0][WORKER_COLUMN] == "Jan Peeters"

    # A social worker, who uploads case lists, downloads it too.
    worker = await keyed(sessions, settings, tenant.organisation_id, roles.SOCIAL_WORKER)
    assert await sample(http, worker) == raw
    assert (await http.get(SAMPLE)).status_code == 403  # but not without a key


async def test_the_sample_has_every_column_the_import_reads(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    header = rows(await sample(http, tenant))[0]
    present = {HEADERS[fold(name)] for name in header}
    # The remark is the one column that is allowed but never read into Messenger.
    missing = set(HEADER_ALIASES) - {"remark"} - present
    assert {label(field) for field in missing} == set()


async def test_the_sample_imports_once_jan_peeters_is_on_the_staff(
    http: httpx.AsyncClient, tenant: Tenant, sessions: Sessions
) -> None:
    raw = await sample(http, tenant)
    await add_jan(http, tenant)
    lac = await new_session(http, tenant)
    before = await counts(sessions)
    response = await upload(http, tenant, lac["id"], raw, dry_run="true")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["dry_run"], answer["rows"], answer["imported"]) == (True, 2, 0)
    assert [(c["row"], c["client"]) for c in answer["cases"]] == [
        (2, "Sara Janssens"),
        (3, "Karim El Amrani"),
    ]
    assert all(c["steps"] for c in answer["cases"])  # each with its plan
    assert await counts(sessions) == before  # a dry run writes nothing


async def test_the_sample_is_refused_naming_the_worker_column_without_that_staff_member(
    http: httpx.AsyncClient, tenant: Tenant, other: Tenant, sessions: Sessions
) -> None:
    raw = await sample(http, tenant)
    lac = await new_session(http, tenant)
    await add_jan(http, other)  # another organisation's Jan Peeters does not count
    before = await counts(sessions)
    response = await upload(http, tenant, lac["id"], raw, dry_run="true")
    assert response.status_code == 400, response.text
    [problem] = response.json()["errors"]
    assert problem["error"] == "ImportError"
    assert (problem["row"], problem["column"]) == (2, WORKER_COLUMN)
    assert errors(response) == [
        "rij 2, maatschappelijk werker: Deze maatschappelijk werker kennen we niet: Jan Peeters."
        " Er zijn nog geen medewerkers ingevoerd."
    ]
    # Nor when it is not a dry run: all rows or none.
    assert (await upload(http, tenant, lac["id"], raw)).status_code == 400
    assert await counts(sessions) == before


async def test_a_deactivated_staff_member_no_longer_matches(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    raw = await sample(http, tenant)
    jan = await add_jan(http, tenant)
    await created(http, "/v2/staff", tenant, {"name": "Els Claes"})
    lac = await new_session(http, tenant)
    assert (await upload(http, tenant, lac["id"], raw, dry_run="true")).status_code == 200

    gone = await http.patch(
        f"/v2/staff/{jan['id']}", json={"active": False}, headers=tenant.headers()
    )
    assert gone.status_code == 200, gone.text
    response = await upload(http, tenant, lac["id"], raw, dry_run="true")
    assert response.status_code == 400, response.text
    [message] = errors(response)
    assert message.startswith("rij 2, maatschappelijk werker: ")
    assert "kennen we niet: Jan Peeters" in message
    assert "Kies uit: Els Claes." in message  # the active staff, to choose from


async def test_the_cli_prints_the_same_sample(
    http: httpx.AsyncClient, tenant: Tenant, tmp_path: Path
) -> None:
    cli = make_cli(tmp_path)
    # Bytes, not text: the line ends are part of what Excel expects.
    done = await asyncio.to_thread(
        subprocess.run,
        [*MESSENGER, "import-sample"],
        env=cli.env,
        cwd=cli.cwd,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == (await sample(http, tenant)).removeprefix(BOM)
    assert b"Traceback" not in done.stderr
