"""Privacy on the pages: a client's data as a file for any social worker; erasure for admins
only, after saying what it does; afterwards the name is gone from the pages."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.models import AuditEvent, Client
from tests.support import Tenant
from tests.web.conftest import Replied
from tests.web.support import csrf_of, make_person, sign_in


async def test_a_social_worker_downloads_a_clients_data_but_cannot_erase(
    http: httpx.AsyncClient, replied: Replied
) -> None:
    page = await http.get(f"/clienten/{replied.client_id}")
    assert "Gegevens wissen" not in page.text
    data = await http.get(f"/clienten/{replied.client_id}/gegevens.json")
    assert data.status_code == 200 and "attachment" in data.headers["content-disposition"]
    assert data.json()["client"]["last_name"] == "Janssens"
    assert (await http.get(f"/clienten/{replied.client_id}/wissen")).status_code == 403
    refused = await http.post(f"/clienten/{replied.client_id}/wissen", data={"csrf": csrf_of(page)})
    assert refused.status_code == 403


async def test_an_admin_erases_a_client_after_reading_what_happens(
    api: str, sessions: Sessions, tenant: Tenant, replied: Replied
) -> None:
    admin = await make_person(sessions, tenant.organisation_id, "beheer@ocmw.be", role=roles.ADMIN)
    async with httpx.AsyncClient(base_url=api) as http:
        await sign_in(http, admin)
        form = await http.get(f"/clienten/{replied.client_id}/wissen")
        assert "Dit kan niet ongedaan worden gemaakt." in form.text
        done = await http.post(
            f"/clienten/{replied.client_id}/wissen", data={"csrf": csrf_of(form)}
        )
        assert done.headers["location"] == "/clienten?gewist=1"
        assert "De gegevens zijn gewist." in (await http.get(done.headers["location"])).text
        found = await http.get("/clienten", params={"q": "Janssens"})
        assert replied.client_id not in found.text
    async with sessions() as session:
        client = await session.get(Client, replied.client_id)
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.subject_id == replied.client_id)
        )
    assert client is not None and client.last_name != "Janssens" and client.phone_number is None
    assert audit is not None and audit.recorded_by == "An Peeters"
