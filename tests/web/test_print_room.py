"""The print room pages: letters sent through the API wait for print; a person makes the
batch, downloads its PDF and list, marks it posted and records a letter that came back.
Another organisation reaches none of it."""

from __future__ import annotations

import csv
import io

import httpx
import pdfplumber
from sqlalchemy import select

from messenger.messages import statuses
from messenger.platform.db import Sessions
from messenger.platform.models import Message, PrintBatch
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
from tests.support import Tenant
from tests.web.conftest import STREETS
from tests.web.support import csrf_of, make_person, sign_in


async def test_make_download_post_and_record_a_returned_letter(
    print_api: str, sessions: Sessions, tenant: Tenant, letters: list[str]
) -> None:
    person = await make_person(sessions, tenant.organisation_id, "an@ocmw.be")
    async with httpx.AsyncClient(base_url=print_api) as http:
        await sign_in(http, person)
        room = await http.get("/drukkerij")
        assert "3 brieven wachten op de volgende drukbatch" in room.text
        made = await http.post("/drukkerij/maken", data={"csrf": csrf_of(room)})
        room = await http.get(made.headers["location"])
        assert "De drukbatch is klaar." in room.text
        assert "0 brieven wachten" in room.text
        async with sessions() as session:
            batch = await session.scalar(select(PrintBatch))
        assert batch is not None and batch.letter_count == 3
        page = await http.get(f"/drukkerij/{batch.id}")
        assert "3 brieven, 3 bladen. Nog niet gepost." in page.text

        pdf = await http.get(f"/drukkerij/{batch.id}/pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        with pdfplumber.open(io.BytesIO(pdf.content)) as document:
            texts = [p.extract_text() for p in document.pages]
        assert [any(street in t for t in texts) for street in STREETS] == [True] * 3
        manifest = await http.get(f"/drukkerij/{batch.id}/manifest")
        rows = list(csv.DictReader(io.StringIO(manifest.text)))
        assert sorted(r["notification_id"] for r in rows) == sorted(letters)

        posted = await http.post(f"/drukkerij/{batch.id}/gepost", data={"csrf": csrf_of(page)})
        page = await http.get(posted.headers["location"])
        assert "De brieven staan op ‘verstuurd’." in page.text
        form = await http.get(f"/drukkerij/brieven/{letters[0]}/teruggekomen")
        missing = await http.post(
            f"/drukkerij/brieven/{letters[0]}/teruggekomen", data={"csrf": csrf_of(form)}
        )
        assert missing.status_code == 400 and "Kies waarom de brief terugkwam." in missing.text
        back = await http.post(
            f"/drukkerij/brieven/{letters[0]}/teruggekomen",
            data={"csrf": csrf_of(form), "reason": "verhuisd"},
        )
        assert "Teruggekomen brief genoteerd." in (await http.get(back.headers["location"])).text
    async with sessions() as session:
        found = {
            m.id: m.status
            for m in await session.scalars(select(Message).where(Message.id.in_(letters)))
        }
    assert found == {
        letters[0]: statuses.RETURNED_LETTER,
        letters[1]: statuses.SENT,
        letters[2]: statuses.SENT,
    }


async def test_another_organisation_reaches_no_batch_or_letter(
    print_api: str,
    print_settings: Settings,
    sessions: Sessions,
    tenant: Tenant,
    letters: list[str],
) -> None:
    owner = await make_person(sessions, tenant.organisation_id, "an@ocmw.be")
    brugge = await make_tenant(sessions, print_settings, "OCMW Brugge")
    intruder = await make_person(sessions, brugge.organisation_id, "piet@brugge.be")
    async with httpx.AsyncClient(base_url=print_api) as http:
        await sign_in(http, intruder)
        room = await http.get("/drukkerij")
        assert "0 brieven wachten" in room.text
        await http.post("/drukkerij/maken", data={"csrf": csrf_of(room)})  # makes nothing of ours
    async with sessions() as session:
        assert await session.scalar(select(PrintBatch)) is None
    async with httpx.AsyncClient(base_url=print_api) as http:
        await sign_in(http, owner)
        await http.post("/drukkerij/maken", data={"csrf": csrf_of(await http.get("/drukkerij"))})
    async with sessions() as session:
        batch = await session.scalar(select(PrintBatch))
    assert batch is not None
    async with httpx.AsyncClient(base_url=print_api) as http:
        await sign_in(http, intruder)
        token = csrf_of(await http.get("/drukkerij"))
        for path in (
            f"/drukkerij/{batch.id}",
            f"/drukkerij/{batch.id}/pdf",
            f"/drukkerij/{batch.id}/manifest",
            f"/drukkerij/brieven/{letters[0]}/teruggekomen",
        ):
            assert (await http.get(path)).status_code == 404, path
        for path in (
            f"/drukkerij/{batch.id}/gepost",
            f"/drukkerij/brieven/{letters[0]}/teruggekomen",
        ):
            answer = await http.post(path, data={"csrf": token, "reason": "verhuisd"})
            assert answer.status_code == 404, path
    async with sessions() as session:
        batch = await session.get(PrintBatch, batch.id)
        assert batch is not None and batch.status == "ready"
