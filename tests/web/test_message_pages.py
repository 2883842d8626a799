"""One message to one client from the pages: a template the client can receive, its values
filled in from the client's case, the text as the client will read it (live), then sent
through the same rules as every send."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from messenger.platform.db import Sessions
from messenger.platform.models import Message
from tests.web.conftest import Replied
from tests.web.support import csrf_of

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
        data={"csrf": token, "voornaam": "Sara", "moment": "", "plaats": "x", "telefoon": "y"},
    )
    assert "Nog niet klaar" in live.text and "<html" not in live.text
    values = {
        "voornaam": "Sara",
        "moment": "2026-12-15T10:00:00+01:00",
        "plaats": "Onderbergen 86",
        "telefoon": "09 266 11 11",
    }
    empty = await http.post(
        f"{base}?sjabloon={template}", data={"csrf": token, **values, "plaats": ""}
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
