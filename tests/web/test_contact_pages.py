"""A client's contact details and safety flags, changed on the pages: checked like an import,
a refusal named at its field, and the plan judged again on the new facts."""

from __future__ import annotations

import httpx
import pytest

from messenger.platform.db import Sessions
from messenger.platform.models import Client
from tests.web.conftest import Replied
from tests.web.support import csrf_of

FORM = {
    "first_name": "Sara",
    "last_name": "Janssens",
    "phone_number": "0470 12 34 56",
    "email": "sara.janssens@telenet.be",
    "street": "Kerkstraat 12 bus 3",
    "place": "9000 Gent",
}


async def test_details_and_flags_are_saved_and_the_plan_follows(
    http: httpx.AsyncClient, sessions: Sessions, replied: Replied
) -> None:
    path = f"/clienten/{replied.client_id}/gegevens"
    form = await http.get(path)
    assert 'value="+32470123456"' in form.text
    saved = await http.post(
        path,
        data={**FORM, "csrf": csrf_of(form), "phone_number": "0471 99 88 77", "flags": ["no_sms"]},
    )
    assert saved.status_code == 303
    page = await http.get(saved.headers["location"])
    assert "Gegevens opgeslagen." in page.text and "geen sms." in page.text
    assert "+32471998877" in page.text
    async with sessions() as session:
        client = await session.get(Client, replied.client_id)
    assert client is not None and client.no_sms and client.phone_number == "+32471998877"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"phone_number": "09 123 45 67"}, "phone_number", "Geef een Belgisch gsm-nummer"),
        ({"email": "geen-adres"}, "email", "Geef een geldig e-mailadres"),
        ({"first_name": ""}, "first_name", "Geef de voornaam"),
        ({"place": ""}, "address", "postcode en gemeente op de tweede"),
    ],
)
async def test_a_bad_detail_is_named_at_its_field(
    http: httpx.AsyncClient,
    sessions: Sessions,
    replied: Replied,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    path = f"/clienten/{replied.client_id}/gegevens"
    refused = await http.post(path, data={**FORM, "csrf": csrf_of(await http.get(path)), **change})
    assert refused.status_code == 400
    assert f'<a href="#{field}">' in refused.text and message in refused.text
    async with sessions() as session:
        client = await session.get(Client, replied.client_id)
    assert client is not None and client.phone_number == "+32470123456"  # nothing saved
