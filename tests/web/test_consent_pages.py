"""Consent on the pages: an SMS consent, sharing chosen details with a partner (who is told
at once), and withdrawing it (the partner is told that too). Every refusal names its field."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from messenger.platform.db import Sessions
from messenger.platform.models import PartnerNotice
from tests.casework_api_support import new_partner
from tests.support import Tenant
from tests.web.conftest import Replied
from tests.web.support import csrf_of


async def test_consent_is_recorded_and_the_partner_told(
    api: str, http: httpx.AsyncClient, sessions: Sessions, tenant: Tenant, replied: Replied
) -> None:
    async with httpx.AsyncClient(base_url=api) as office:
        partner = await new_partner(office, tenant, name="Buurtwerk De Brug")
    path = f"/clienten/{replied.client_id}/toestemming"
    form = await http.get(path)
    token = csrf_of(form)
    empty = await http.post(path, data={"csrf": token})
    assert empty.status_code == 400
    for field in ("purpose", "given", "method"):
        assert f'<a href="#{field}">' in empty.text, field
    no_partner = await http.post(
        path, data={"csrf": token, "purpose": "share-partner", "given": "ja", "method": "in-person"}
    )
    assert '<a href="#partner">Kies met welke partnerorganisatie.</a>' in no_partner.text
    assert '<a href="#fields">Kies welke gegevens' in no_partner.text

    shared = await http.post(
        path,
        data={
            "csrf": token,
            "purpose": "share-partner",
            "given": "ja",
            "method": "in-person",
            "partner": partner["id"],
            "fields": ["name", "phone"],
        },
    )
    assert shared.status_code == 303
    page = await http.get(shared.headers["location"])
    assert "Toestemming genoteerd." in page.text
    assert "<dt>Delen met</dt><dd>Buurtwerk De Brug</dd>" in page.text
    withdrawn = await http.post(
        path,
        data={
            "csrf": token,
            "purpose": "share-partner",
            "given": "nee",
            "method": "phone",
            "partner": partner["id"],
        },
    )
    page = await http.get(withdrawn.headers["location"])
    assert "<dt>Delen met</dt><dd>niemand</dd>" in page.text
    async with sessions() as session:
        notices = list(
            await session.scalars(select(PartnerNotice).order_by(PartnerNotice.created_at))
        )
    assert [n.kind for n in notices] == ["shared", "withdrawn"]
    assert notices[0].shared == {"name": "Sara Janssens", "phone": "+32470123456"}


async def test_an_sms_consent_shows_on_the_client_page(
    http: httpx.AsyncClient, replied: Replied
) -> None:
    path = f"/clienten/{replied.client_id}/toestemming"
    token = csrf_of(await http.get(path))
    done = await http.post(
        path, data={"csrf": token, "purpose": "email", "given": "nee", "method": "phone"}
    )
    page = await http.get(done.headers["location"])
    assert "<dt>E-mail</dt><dd>nee</dd>" in page.text
