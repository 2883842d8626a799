"""The organisation's own settings on the pages (admins): contact details and when messages
may go out. A bad value is named at its field and nothing is saved."""

from __future__ import annotations

import httpx
import pytest

from messenger.platform.db import Sessions
from messenger.platform.models import Organisation
from tests.support import Tenant
from tests.web.support import csrf_of


def form(token: str, **changes: object) -> dict[str, object]:
    return {
        "csrf": token,
        "contact_name": "Sociale dienst",
        "contact_phone": "09 266 99 00",
        "quiet_start": "08:30",
        "quiet_end": "19:00",
        "open_weekdays": ["0", "1", "2", "3", "4"],
        "working_weekdays": ["0", "1", "2", "3", "4"],
        "flemish_holiday": "ja",
        "closed_days": "2026-12-26\n2027-01-02",
        **changes,
    }


async def test_an_admin_sets_contact_details_and_the_calendar(
    admin: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    page = await admin.get("/beheer/organisatie")
    assert page.status_code == 200 and 'value="09:00"' in page.text
    saved = await admin.post("/beheer/organisatie", data=form(csrf_of(page)))
    assert saved.status_code == 303
    assert "Opgeslagen." in (await admin.get(saved.headers["location"])).text
    async with sessions() as session:
        organisation = await session.get(Organisation, tenant.organisation_id)
    assert organisation is not None
    assert (organisation.contact_phone, organisation.quiet_start, organisation.quiet_end) == (
        "09 266 99 00",
        "08:30",
        "19:00",
    )
    assert organisation.open_weekdays == [0, 1, 2, 3, 4]
    assert organisation.closed_days == ["2026-12-26", "2027-01-02"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quiet_start": "21:00", "quiet_end": "08:00"}, "quiet_start", "vroeger dan het einde"),
        ({"closed_days": "26 december"}, "closed_days", "Geef datums als 2026-12-26"),
        ({"open_weekdays": []}, "open_weekdays", "Kies minstens één dag."),
        ({"contact_name": "x" * 201}, "contact_name", "Hoogstens 200 tekens."),
        ({"contact_email": "sociale dienst"}, "contact_email", "Geef een e-mailadres zoals"),
    ],
)
async def test_a_bad_value_is_named_and_nothing_is_saved(
    admin: httpx.AsyncClient,
    sessions: Sessions,
    tenant: Tenant,
    changes: dict[str, object],
    field: str,
    message: str,
) -> None:
    page = await admin.get("/beheer/organisatie")
    refused = await admin.post("/beheer/organisatie", data=form(csrf_of(page), **changes))
    assert refused.status_code == 400
    assert f'<a href="#{field}">' in refused.text and message in refused.text
    async with sessions() as session:
        organisation = await session.get(Organisation, tenant.organisation_id)
    assert organisation is not None and organisation.quiet_start == "09:00"


async def test_a_social_worker_cannot_change_the_organisation(
    http: httpx.AsyncClient,
) -> None:
    assert (await http.get("/beheer/organisatie")).status_code == 403


async def test_a_field_far_too_long_gets_a_page_not_json(admin: httpx.AsyncClient) -> None:
    page = await admin.get("/beheer/organisatie")
    refused = await admin.post("/beheer/organisatie", data=form(csrf_of(page), website="x" * 500))
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("text/html")
    assert "Dit formulier klopt niet" in refused.text and "niets opgeslagen" in refused.text
