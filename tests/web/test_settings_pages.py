"""The admin's settings pages besides the organisation's profile: the staff a case list names,
and the senders and how long texts are kept. A bad value is named at its field and nothing
is saved; a social worker cannot open them."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from messenger.casework import staff
from messenger.platform.db import Sessions
from messenger.platform.models import Organisation, StaffMember
from tests.support import Tenant
from tests.web.support import csrf_of


async def test_an_admin_adds_a_staff_member_and_a_case_list_can_name_them(
    admin: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    empty = await admin.get("/beheer/medewerkers")
    assert "Er zijn nog geen medewerkers" in empty.text
    form = await admin.get("/beheer/medewerkers/nieuw")
    added = await admin.post(
        "/beheer/medewerkers/nieuw",
        data={"csrf": csrf_of(form), "name": "Jan  Peeters", "phone": "09 266 99 01",
              "email": "Jan.Peeters@OCMW.be", "team": "LAC"},
    )  # fmt: skip
    assert added.status_code == 303
    listed = await admin.get(added.headers["location"])
    assert "De medewerker is toegevoegd" in listed.text and "Jan Peeters" in listed.text
    async with sessions() as session:
        found = await staff.find_by_name(session, tenant.organisation_id, "jan peeters")
    assert found is not None and found.email == "Jan.Peeters@ocmw.be" and found.active


async def test_a_staff_member_who_left_is_switched_off_not_removed(
    admin: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    async with sessions() as session:
        member = await staff.add_staff(session, tenant.organisation_id, staff.StaffData("Els Smet"))
        await session.commit()
    page = await admin.get(f"/beheer/medewerkers/{member.id}")
    assert 'id="active" name="active" value="ja" checked' in page.text
    changed = await admin.post(
        f"/beheer/medewerkers/{member.id}",
        data={"csrf": csrf_of(page), "name": "Els Smet", "phone": "", "email": "", "team": ""},
    )
    assert changed.status_code == 303
    listed = await admin.get("/beheer/medewerkers")
    assert "uitgeschakeld" in listed.text
    async with sessions() as session:
        assert staff.directory(await staff.list_staff(session, tenant.organisation_id)) == {}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "Geef de naam van de medewerker"),
        ({"name": "Piet Claes", "email": "piet@"}, "email", "naam@ocmw.be"),
        ({"name": "Piet Claes", "phone": "0" * 41}, "phone", "hoogstens 40 tekens"),
        ({"name": "JAN PEETERS"}, "name", "Er is al een medewerker met deze naam"),
    ],
)
async def test_a_bad_staff_member_is_named_at_the_field(
    admin: httpx.AsyncClient,
    sessions: Sessions,
    tenant: Tenant,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    async with sessions() as session:
        await staff.add_staff(session, tenant.organisation_id, staff.StaffData("Jan Peeters"))
        await session.commit()
    form = await admin.get("/beheer/medewerkers/nieuw")
    refused = await admin.post("/beheer/medewerkers/nieuw", data={"csrf": csrf_of(form), **fields})
    assert refused.status_code == 400
    assert f'<a href="#{field}">' in refused.text and message in refused.text
    assert 'aria-invalid="true"' in refused.text
    async with sessions() as session:
        assert len((await session.scalars(select(StaffMember))).all()) == 1


def sending_form(token: str, **changes: str) -> dict[str, str]:
    return {
        "csrf": token,
        "sms_sender": "+32 470 12 34 56",
        "letter_sender": "OCMW Gent\nSociale dienst\nOnderbergen 86\n9000 Gent",
        "sms_transliterate": "ja",
        "retention_days": "60",
        **changes,
    }


async def test_an_admin_sets_the_senders_and_the_retention(
    admin: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    page = await admin.get("/beheer/verzending")
    assert 'value="90"' in page.text  # the default, shown
    saved = await admin.post("/beheer/verzending", data=sending_form(csrf_of(page)))
    assert saved.status_code == 303
    shown = await admin.get(saved.headers["location"])
    assert "Opgeslagen." in shown.text and "Onderbergen 86\n9000 Gent" in shown.text
    async with sessions() as session:
        organisation = await session.get(Organisation, tenant.organisation_id)
    assert organisation is not None
    assert organisation.sms_sender == "+32470123456"
    assert organisation.letter_sender == "OCMW Gent|Sociale dienst|Onderbergen 86|9000 Gent"
    assert organisation.sms_transliterate and organisation.message_retention_days == 60
    cleared = await admin.post(
        "/beheer/verzending", data=sending_form(csrf_of(shown), sms_sender="")
    )
    assert cleared.status_code == 303
    async with sessions() as session:
        organisation = await session.get(Organisation, tenant.organisation_id)
    assert organisation is not None and organisation.sms_sender is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sms_sender": "12"}, "sms_sender", "Geef een gsm-nummer"),
        ({"retention_days": "0"}, "retention_days", "van 1 tot 3650"),
        ({"retention_days": "drie maanden"}, "retention_days", "van 1 tot 3650"),
        ({"letter_sender": "\n".join("abcdefg")}, "letter_sender", "1 tot 6 regels"),
    ],
)
async def test_a_bad_sending_setting_is_named_and_nothing_is_saved(
    admin: httpx.AsyncClient,
    sessions: Sessions,
    tenant: Tenant,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    page = await admin.get("/beheer/verzending")
    refused = await admin.post("/beheer/verzending", data=sending_form(csrf_of(page), **changes))
    assert refused.status_code == 400
    assert f'<a href="#{field}">' in refused.text and message in refused.text
    async with sessions() as session:
        organisation = await session.get(Organisation, tenant.organisation_id)
    assert organisation is not None and organisation.message_retention_days == 90


async def test_a_number_of_another_organisation_is_refused(
    admin: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    async with sessions() as session:
        session.add(Organisation(name="OCMW Elders", sms_sender="+32470123456"))
        await session.commit()
    page = await admin.get("/beheer/verzending")
    refused = await admin.post("/beheer/verzending", data=sending_form(csrf_of(page)))
    assert refused.status_code == 400 and "andere organisatie" in refused.text


@pytest.mark.parametrize(
    "path", ["/beheer/medewerkers", "/beheer/medewerkers/nieuw", "/beheer/verzending"]
)
async def test_a_social_worker_cannot_open_the_settings(http: httpx.AsyncClient, path: str) -> None:
    assert (await http.get(path)).status_code == 403
