"""The admin's settings pages besides the organisation's profile: the staff a case list names,
and the senders and how long texts are kept. A bad value is named at its field and nothing
is saved; a social worker cannot open them."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from messenger.casework import staff
from messenger.messages import senders
from messenger.platform.db import Sessions
from messenger.platform.models import Organisation, StaffMember
from messenger.platform.settings import Settings
from tests.conftest import make_tenant
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
        "letter_sender": "OCMW Gent\nSociale dienst\nOnderbergen 86\n9000 Gent",
        "sms_transliterate": "ja",
        "retention_days": "60",
        **changes,
    }


async def test_an_admin_sets_the_letter_sender_and_the_retention(
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
    assert organisation.letter_sender == "OCMW Gent|Sociale dienst|Onderbergen 86|9000 Gent"
    assert organisation.sms_transliterate and organisation.message_retention_days == 60


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
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


async def test_an_admin_adds_senders_picks_the_default_and_removes_one(
    admin: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    page = await admin.get("/beheer/verzending")
    assert "komen van het nummer van de installatie" in page.text
    assert "Antwoorden komen in de" in page.text  # the inbox, as long as no address is chosen
    for kind, value in (("sms", "0460 20 00 01"), ("sms", "OCMW Gent"),
                        ("email", "sd@ocmw.gent.example")):  # fmt: skip
        added = await admin.post(
            "/beheer/afzenders/nieuw", data={"csrf": csrf_of(page), "kind": kind, "value": value}
        )
        assert added.status_code == 303, added.text
    page = await admin.get("/beheer/verzending")
    async with sessions() as session:
        found = {s.value: s for s in await senders.list_senders(session, tenant.organisation_id)}
    assert found["+32460200001"].is_default and not found["OCMW Gent"].is_default
    assert f"<code>{found['OCMW Gent'].id}</code>" in page.text  # the id the API takes
    token = csrf_of(page)
    await admin.post(f"/beheer/afzenders/{found['sd@ocmw.gent.example'].id}/standaard",
                     data={"csrf": token})  # fmt: skip
    page = await admin.get("/beheer/verzending")
    assert "Antwoorden gaan naar <strong>sd@ocmw.gent.example</strong>" in page.text
    back = await admin.post("/beheer/afzenders/email/geen-standaard", data={"csrf": token})
    assert "Antwoorden komen in de" in (await admin.get(back.headers["location"])).text
    gone = await admin.post(
        f"/beheer/afzenders/{found['+32460200001'].id}/verwijderen", data={"csrf": token}
    )
    assert (
        "Verstuurde berichten houden hun afzender"
        in (await admin.get(gone.headers["location"])).text
    )
    async with sessions() as session:
        left = await senders.list_senders(session, tenant.organisation_id, "sms")
    assert [(s.value, s.is_default) for s in left] == [("OCMW Gent", True)]


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("sms", "09 266 11 11", "Geef een gsm-nummer"),
        ("email", "sociale dienst", "Geef een e-mailadres"),
        ("sms", "0470 99 99 99", "hoort al bij een andere organisatie"),
    ],
)
async def test_a_bad_sender_is_named_at_its_field(
    admin: httpx.AsyncClient,
    sessions: Sessions,
    settings: Settings,
    tenant: Tenant,
    kind: str,
    value: str,
    message: str,
) -> None:
    brugge = await make_tenant(sessions, settings, "OCMW Brugge")
    async with sessions() as session:
        await senders.add_sender(session, brugge.organisation_id, "sms", "0470 99 99 99")
        await session.commit()
    page = await admin.get("/beheer/verzending")
    refused = await admin.post(
        "/beheer/afzenders/nieuw", data={"csrf": csrf_of(page), "kind": kind, "value": value}
    )
    assert refused.status_code == 400
    assert f'<a href="#value-{kind}">' in refused.text and message in refused.text
    async with sessions() as session:
        assert await senders.list_senders(session, tenant.organisation_id) == []


@pytest.mark.parametrize(
    "path", ["/beheer/medewerkers", "/beheer/medewerkers/nieuw", "/beheer/verzending"]
)
async def test_a_social_worker_cannot_open_the_settings(http: httpx.AsyncClient, path: str) -> None:
    assert (await http.get(path)).status_code == 403
