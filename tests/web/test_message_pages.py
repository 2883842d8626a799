"""One message to one client from the pages: a template the client can receive, its values
filled in from the client's case, the text as the client will read it (live), then sent
through the same rules as every send."""

from __future__ import annotations

import io
import re

import httpx
import pdfplumber
from sqlalchemy import select

from messenger.platform.db import Sessions
from messenger.platform.models import Client, Message, PrintBatch
from tests.support import LETTER_TEMPLATE as LETTER
from tests.support import Tenant
from tests.test_print_batches import _wait_for_print
from tests.web.conftest import Replied
from tests.web.support import csrf_of, make_person, sign_in

REMINDER = "lac-herinnering-sms"


async def test_a_message_from_a_template_with_its_values_and_preview(
    http: httpx.AsyncClient, sessions: Sessions, replied: Replied
) -> None:
    base = f"/clienten/{replied.client_id}/bericht"
    choose = await http.get(base)
    assert choose.status_code == 200 and "Welk bericht?" in choose.text
    link = next(
        part.split('"')[0]
        for part in choose.text.split('href="')
        if part.startswith(f"{base}?sjabloon=") and "herinnering twee dagen" in part.lower()[:300]
    )
    form = await http.get(link)
    assert 'name="voornaam" type="text" value="Sara"' in form.text
    assert "Dag Sara" in form.text  # the preview, filled in
    template = link.split("sjabloon=")[1]
    token = csrf_of(form)
    live = await http.post(
        f"{base}/voorbeeld?sjabloon={template}",
        data={"csrf": token, "voornaam": "Sara", "moment": "", "plaats_kort": "x", "telefoon": "y"},
    )
    assert "Nog niet klaar" in live.text and "<html" not in live.text
    values = {
        "voornaam": "Sara",
        "moment": "2026-12-15T10:00:00+01:00",
        "plaats_kort": "Onderbergen 86",
        "telefoon": "09 266 11 11",
    }
    empty = await http.post(
        f"{base}?sjabloon={template}", data={"csrf": token, **values, "plaats_kort": ""}
    )
    assert empty.status_code == 400 and "Vul alle waarden in." in empty.text
    before = await _messages(sessions)
    sent = await http.post(f"{base}?sjabloon={template}", data={"csrf": token, **values})
    assert sent.status_code == 303, sent.text
    page = await http.get(sent.headers["location"])
    assert "Bericht verstuurd." in page.text
    new = [m for m in await _messages(sessions) if m.id not in {b.id for b in before}]
    assert len(new) == 1
    assert (new[0].kind, new[0].recipient, new[0].client_id) == (
        "sms",
        "+32470123456",
        replied.client_id,
    )
    assert "Onderbergen 86" in new[0].body


async def _messages(sessions: Sessions) -> list[Message]:
    async with sessions() as session:
        return list(await session.scalars(select(Message)))


async def test_a_channel_the_client_cannot_receive_is_said_and_refused(
    http: httpx.AsyncClient, sessions: Sessions, replied: Replied
) -> None:
    base = f"/clienten/{replied.client_id}/bericht"
    # Sara has an email address but withdrew email consent here.
    token = csrf_of(await http.get(f"/clienten/{replied.client_id}/toestemming"))
    await http.post(
        f"/clienten/{replied.client_id}/toestemming",
        data={"csrf": token, "purpose": "email", "given": "nee", "method": "phone"},
    )
    choose = await http.get(base)
    assert "Niet mogelijk:" in choose.text.split("<h2>E-mail</h2>")[1]


async def test_a_letter_by_hand_goes_to_the_clients_address_and_into_the_print_batch(
    print_api: str, sessions: Sessions, tenant: Tenant, replied: Replied
) -> None:
    person = await make_person(sessions, tenant.organisation_id, "an@ocmw.be")
    base = f"/clienten/{replied.client_id}/bericht"
    async with httpx.AsyncClient(base_url=print_api, timeout=30) as http:
        await sign_in(http, person)
        choose = await http.get(base)
        assert "<h2>Brief</h2>" in choose.text
        assert f"{base}?sjabloon={LETTER}" in choose.text
        form = await http.get(f"{base}?sjabloon={LETTER}")
        assert "Naar dit adres" in form.text and "Brief maken" in form.text
        async with sessions() as session:
            client = await session.get(Client, replied.client_id)
        assert client is not None and client.address_lines
        assert all(line in form.text for line in client.address_lines)
        names = ["naam", "moment", "plaats", "telefoon", "email", "maatschappelijk_werker"]
        names += ["ocmw", "onthaal_adres", "openingsuren"]
        values = {
            name: form.text.split(f'name="{name}" type="text" value="')[1].split('"')[0]
            for name in names
        }
        assert all(values.values()), values  # filled in from Sara's case
        assert values["moment"] == "2026-12-15T10:00:00+01:00"  # Brussels time, as read
        values["plaats"] += " (zaal 2)"  # changed by hand: this letter, not a plan's letter
        made = await http.post(f"{base}?sjabloon={LETTER}", data={"csrf": csrf_of(form), **values})
        assert made.status_code == 303, made.text
        page = await http.get(made.headers["location"])
        assert "De brief staat klaar voor de" in page.text
        # The plan makes letters too (for Sara as well): this one has the place as changed.
        [letter] = [
            m for m in await _messages(sessions) if m.kind == "letter" and "(zaal 2)" in m.body
        ]
        assert letter.client_id == replied.client_id
        await _wait_for_print(sessions, [letter.id])
        room = await http.get("/drukkerij")
        assert _waiting(room) >= 1  # with the letters the plan made for other clients
        await http.post("/drukkerij/maken", data={"csrf": csrf_of(room)})
        async with sessions() as session:
            batch = await session.scalar(select(PrintBatch))
        assert batch is not None
        manifest = await http.get(f"/drukkerij/{batch.id}/manifest")
        assert letter.id in manifest.text
        pdf = await http.get(f"/drukkerij/{batch.id}/pdf")
    with pdfplumber.open(io.BytesIO(pdf.content)) as document:
        text = "\n".join(p.extract_text() for p in document.pages)
    assert client.address_lines[1] in text and values["telefoon"] in text


def _waiting(room: httpx.Response) -> int:
    found = re.search(r"(\d+) (?:brief wacht|brieven wachten)", room.text)
    assert found, "the print room says how many letters wait"
    return int(found.group(1))


async def test_no_letter_to_a_client_who_gets_no_letters_at_home(
    http: httpx.AsyncClient, sessions: Sessions, replied: Replied
) -> None:
    async with sessions() as session:
        client = await session.get(Client, replied.client_id)
        assert client is not None
        client.no_letters_at_home = True
        await session.commit()
    base = f"/clienten/{replied.client_id}/bericht"
    choose = await http.get(base)
    assert "Niet mogelijk: veiligheidsvlag (geen brieven thuis)" in choose.text
    form = await http.get(f"{base}?sjabloon={LETTER}")
    values = {"naam": "Sara", "moment": "2026-12-15T10:00:00+01:00", "plaats": "x",
              "telefoon": "y", "email": "a@b.be", "maatschappelijk_werker": "Jan"}  # fmt: skip
    refused = await http.post(f"{base}?sjabloon={LETTER}", data={"csrf": csrf_of(form), **values})
    assert refused.status_code == 400
    assert "Deze cliënt kan geen brief krijgen: veiligheidsvlag" in refused.text
    assert not [m for m in await _messages(sessions) if m.kind == "letter"]
