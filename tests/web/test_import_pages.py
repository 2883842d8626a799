"""The import pages, as a social worker uses them: the 15-client December list (CSV and
XLSX) uploaded, checked, previewed and confirmed; a list with errors refused row by row with
nothing written; and none of it reachable from another organisation."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from messenger.cli.runner import running_api, server_url
from messenger.platform import roles
from messenger.platform.clock import SimulatedClock
from messenger.platform.db import Sessions
from messenger.platform.models import Case, Partner
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.support import Tenant
from tests.test_lac_workflow import CASE_LIST, as_xlsx
from tests.web.conftest import IMPORTED_ON
from tests.web.support import Person, csrf_of, make_person, sign_in

FIXTURES = CASE_LIST.parent


@pytest.fixture
async def worker_http(
    api: str, sessions: Sessions, tenant: Tenant
) -> AsyncIterator[httpx.AsyncClient]:
    person = await make_person(sessions, tenant.organisation_id, "an@ocmw.be")
    async with httpx.AsyncClient(base_url=api) as http:
        assert (await sign_in(http, person)).status_code == 303
        yield http


async def upload(http: httpx.AsyncClient, session_id: str, name: str, raw: bytes) -> httpx.Response:
    form = await http.get(f"/zittingen/{session_id}/importeren")
    return await http.post(
        f"/zittingen/{session_id}/importeren",
        data={"csrf": csrf_of(form)},
        files={"bestand": (name, raw)},
    )


async def count_cases(sessions: Sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(Case)) or 0


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
async def test_a_case_list_is_checked_previewed_and_confirmed(
    worker_http: httpx.AsyncClient, sessions: Sessions, session_id: str, file_format: str
) -> None:
    raw = CASE_LIST.read_bytes()
    preview = await upload(
        worker_http,
        session_id,
        f"lijst.{file_format}",
        raw if file_format == "csv" else as_xlsx(raw),
    )
    assert preview.status_code == 200, preview.text
    assert "15 cliënten. Er is nog niets opgeslagen." in preview.text
    assert "Sara Janssens" in preview.text
    # Checked and previewed, but nothing written until the person confirms.
    assert await count_cases(sessions) == 0
    upload_id = re.search(r'name="upload" value="([^"]+)"', preview.text)
    assert upload_id is not None
    done = await worker_http.post(
        f"/zittingen/{session_id}/importeren/bevestigen",
        data={"csrf": csrf_of(preview), "upload": upload_id.group(1)},
    )
    assert done.status_code == 303
    page = await worker_http.get(done.headers["location"])
    assert "15 cliënten ingelezen" in page.text
    assert await count_cases(sessions) == 15
    assert "Cliënten (15)" in page.text
    # The stored copy is gone once confirmed: confirming twice imports nothing more.
    again = await worker_http.post(
        f"/zittingen/{session_id}/importeren/bevestigen",
        data={"csrf": csrf_of(preview), "upload": upload_id.group(1)},
    )
    assert again.status_code == 400 and "niet meer bewaard" in again.text
    assert await count_cases(sessions) == 15


async def test_a_list_with_errors_is_refused_row_by_row_and_nothing_is_written(
    worker_http: httpx.AsyncClient, sessions: Sessions, session_id: str
) -> None:
    refused = await upload(
        worker_http, session_id, "fouten.csv", (FIXTURES / "every_error.csv").read_bytes()
    )
    assert refused.status_code == 400
    assert "Er is een probleem" in refused.text
    assert "Er staan fouten in de lijst. Er is niets ingelezen." in refused.text
    rows = re.findall(r"<tr><td data-label=\"Rij\">(\d+)</td>", refused.text)
    assert len(rows) >= 3, refused.text
    assert await count_cases(sessions) == 0


async def test_an_empty_or_missing_file_is_named_at_the_field(
    worker_http: httpx.AsyncClient, session_id: str
) -> None:
    form = await worker_http.get(f"/zittingen/{session_id}/importeren")
    nothing = await worker_http.post(
        f"/zittingen/{session_id}/importeren", data={"csrf": csrf_of(form)}
    )
    assert nothing.status_code == 400
    assert '<a href="#bestand">Kies een bestand' in nothing.text


async def test_another_organisation_sees_none_of_it(
    api: str,
    settings: Settings,
    sessions: Sessions,
    session_id: str,
    worker_http: httpx.AsyncClient,
) -> None:
    preview = await upload(worker_http, session_id, "lijst.csv", CASE_LIST.read_bytes())
    upload_id = re.search(r'name="upload" value="([^"]+)"', preview.text)
    assert upload_id is not None
    brugge = await make_tenant(sessions, settings, "OCMW Brugge")
    intruder = await make_person(sessions, brugge.organisation_id, "piet@brugge.be")
    async with httpx.AsyncClient(base_url=api) as http:
        await sign_in(http, intruder)
        home = await http.get("/")
        token = csrf_of(home)
        assert "Onderbergen" not in home.text
        assert session_id not in (await http.get("/zittingen")).text
        for path in (f"/zittingen/{session_id}", f"/zittingen/{session_id}/importeren"):
            page = await http.get(path)
            assert page.status_code == 404 and "Pagina niet gevonden" in page.text
        confirm = await http.post(
            f"/zittingen/{session_id}/importeren/bevestigen",
            data={"csrf": token, "upload": upload_id.group(1)},
        )
        assert confirm.status_code == 404
        posted = await http.post(
            f"/zittingen/{session_id}/importeren",
            data={"csrf": token},
            files={"bestand": ("lijst.csv", CASE_LIST.read_bytes())},
        )
        assert posted.status_code == 404
    assert await count_cases(sessions) == 0


@pytest.mark.parametrize("role", [roles.PARTNER, roles.WATER_COMPANY])
async def test_staff_pages_are_not_for_partners_or_water_companies(
    api: str, sessions: Sessions, tenant: Tenant, role: str
) -> None:
    async with sessions() as session:
        partner = Partner(
            organisation_id=tenant.organisation_id,
            name="Buurtwerk",
            phone="09 111 11 11",
            address="Straat 1, 9000 Gent",
            opening_hours="maandag van 9 tot 12 uur",
            notice_email="meldingen@buurtwerk.be",
        )
        session.add(partner)
        await session.commit()
    links = (
        {"partner_id": partner.id} if role == roles.PARTNER else {"water_company": "De Watergroep"}
    )
    await make_person(sessions, tenant.organisation_id, "extern@partner.be", role=role, **links)
    async with httpx.AsyncClient(base_url=api) as http:
        signed = await sign_in(http, Person("extern@partner.be", tenant.organisation_id))
        home = "/partner" if role == roles.PARTNER else "/watermaatschappij"
        assert signed.headers["location"] == home  # their own page, not the staff's
        assert (await http.get("/")).headers["location"] == home
        for path in ("/zittingen", "/clienten", "/inbox", "/drukkerij"):
            page = await http.get(path)
            assert page.status_code == 403 and "niet voor u" in page.text, path


async def test_docs_and_pages_load_nothing_from_elsewhere(api: str) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        for path in ("/docs", "/aanmelden"):
            page = await http.get(path)
            assert page.status_code == 200
            sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
            assert sources and all(s.startswith(("/", "#")) for s in sources), sources
            for asset in (s for s in sources if s.startswith("/static/")):
                assert (await http.get(asset)).status_code == 200, asset
        unknown = await http.get("/nergens")
        assert unknown.status_code == 404 and "Pagina niet gevonden" in unknown.text
        api_unknown = await http.get("/v2/nergens")
        assert api_unknown.json()["errors"][0]["error"] == "NoResultFound"


async def test_a_stored_list_is_only_for_the_session_that_uploaded_it(
    settings: Settings, sessions: Sessions, tenant: Tenant, session_id: str, redis_server: str
) -> None:
    """Two people of the same organisation: one cannot confirm the other's upload."""
    async with running_api(settings, redis_server, clock=SimulatedClock(IMPORTED_ON)) as server:
        first = await make_person(sessions, tenant.organisation_id, "a@ocmw.be")
        second = await make_person(sessions, tenant.organisation_id, "b@ocmw.be")
        async with (
            httpx.AsyncClient(base_url=server_url(server)) as one,
            httpx.AsyncClient(base_url=server_url(server)) as two,
        ):
            await sign_in(one, first)
            await sign_in(two, second)
            preview = await upload(one, session_id, "lijst.csv", CASE_LIST.read_bytes())
            upload_id = re.search(r'name="upload" value="([^"]+)"', preview.text)
            assert upload_id is not None
            taken = await two.post(
                f"/zittingen/{session_id}/importeren/bevestigen",
                data={"csrf": csrf_of(await two.get("/")), "upload": upload_id.group(1)},
            )
    assert taken.status_code == 400
    assert await count_cases(sessions) == 0
