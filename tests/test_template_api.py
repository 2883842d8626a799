"""Organisations' own templates through the API: the linter guards saving, every edit is a
version, overrides replace shipped wording, variants and language fallback are recorded."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import pdfplumber
import pytest
from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy import func, select

from messenger.casework.organisations import update_organisation
from messenger.platform.db import Sessions
from messenger.platform.models import Message, Template, TemplateVersion
from messenger.platform.settings import Settings
from messenger.wording.template_files import template_id
from tests.conftest import make_tenant
from tests.support import SMS_TEMPLATE, SMS_VALUES, Tenant, sms_body

GOOD_SMS = "Dag {{ voornaam }}, we zien u graag op het OCMW. Bel {{ telefoon }} als het niet lukt."
VARIABLES = {
    "voornaam": {"example": "Sara", "description": "Voornaam"},
    "telefoon": {"example": "09 123 45 67", "description": "Telefoon"},
}


def draft(**changes: Any) -> dict[str, Any]:
    return {
        "name": "eigen-herinnering",
        "type": "sms",
        "language": "nl",
        "title": "Eigen herinnering",
        "body": GOOD_SMS,
        "variables": VARIABLES,
        **changes,
    }


async def _count(sessions: Sessions, model: type[Any]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_clean_template_is_saved_and_sent(
    api: str, tenant: Tenant, sessions: Sessions
) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        created = await client.post("/v2/templates", json=draft(), headers=tenant.headers())
        assert created.status_code == 201, created.text
        saved = created.json()
        assert saved["report"]["ok"] is True
        assert saved["report"]["sms"] == {
            "encoding": "GSM-7",
            "characters": 74,
            "segments": 1,
            "offending": [],
        }
        new_id = saved["template"]["id"]
        assert saved["template"]["version"] == 1

        sent = await client.post(
            "/v2/notifications/sms",
            json={
                "phone_number": "0470123456",
                "template_id": new_id,
                "personalisation": {"voornaam": "Els", "telefoon": "09 1"},
            },
            headers=tenant.headers(),
        )
        assert sent.status_code == 201, sent.text
        assert sent.json()["template"] == {
            "id": new_id,
            "version": 1,
            "uri": f"http://messenger.test/v2/template/{new_id}/version/1",
        }
        # Notify's client reads it like any template.
        notify = NotificationsAPIClient(tenant.api_key, base_url=api)
        fetched = await asyncio.to_thread(notify.get_template, new_id)
        assert fetched["body"].startswith("Dag {{ voornaam }}")


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"body": "Gelieve {{ telefoon }} te bellen, {{ voornaam }}."}, "officialese"),
        (
            {"body": "Dag {{ voornaam }}, uw schulden bij de waterfactuur. Bel {{ telefoon }}."},
            "discretion",
        ),
        ({"body": "Dag {{ voornaam }} {{ naam }}, bel {{ telefoon }}."}, "variable-undeclared"),
        ({"type": "email", "subject": "Uw achterstallige factuur", "body": GOOD_SMS}, "discretion"),
    ],
)
async def test_errors_block_saving_and_say_why(
    api: str, tenant: Tenant, sessions: Sessions, changes: dict[str, Any], rule: str
) -> None:
    before = await _count(sessions, Template)
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.post(
            "/v2/templates", json=draft(**changes), headers=tenant.headers()
        )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errors"][0]["error"] == "TemplateLintError"
    assert any(e["message"].startswith(f"{rule}:") for e in body["errors"])
    assert body["report"]["ok"] is False
    assert await _count(sessions, Template) == before  # nothing half-written


async def test_bad_drafts_are_400_validation_errors(api: str, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        reserved = await client.post(
            "/v2/templates",
            json=draft(variables={**VARIABLES, "partner": {"example": "x"}}),
            headers=tenant.headers(),
        )
        no_subject = await client.post(
            "/v2/templates", json=draft(type="letter"), headers=tenant.headers()
        )
        bad_syntax = await client.post(
            "/v2/templates", json=draft(body="Dag {{ voornaam }"), headers=tenant.headers()
        )
    for response, fragment in (
        (reserved, "partner is filled in by Messenger"),
        (no_subject, "a letter template needs a subject"),
        (bad_syntax, "line 1"),
    ):
        assert response.status_code == 400, response.text
        assert fragment in response.json()["errors"][0]["message"]


async def test_every_edit_is_a_version_and_messages_keep_theirs(
    api: str, tenant: Tenant, sessions: Sessions
) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        first = (await client.post("/v2/templates", json=draft(), headers=tenant.headers())).json()
        new_id = first["template"]["id"]
        values = {
            "phone_number": "0470123456",
            "template_id": new_id,
            "personalisation": {"voornaam": "Els", "telefoon": "09 1"},
        }
        one = (
            await client.post("/v2/notifications/sms", json=values, headers=tenant.headers())
        ).json()
        edited = await client.post(
            f"/v2/template/{new_id}",
            json=draft(
                body="Dag {{ voornaam }}, tot snel op het OCMW. Vragen? Bel {{ telefoon }}."
            ),
            headers=tenant.headers(),
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["template"]["version"] == 2
        two = (
            await client.post("/v2/notifications/sms", json=values, headers=tenant.headers())
        ).json()
        refused = await client.post(
            f"/v2/template/{new_id}",
            json=draft(body="Gelieve te bellen, {{ voornaam }} {{ telefoon }}."),
            headers=tenant.headers(),
        )
        shipped = await client.post(
            f"/v2/template/{SMS_TEMPLATE}", json=draft(), headers=tenant.headers()
        )
    assert (one["template"]["version"], two["template"]["version"]) == (1, 2)
    assert "tot snel" in two["content"]["body"] and "tot snel" not in one["content"]["body"]
    assert refused.status_code == 400
    assert shipped.status_code == 404  # shipped templates are read-only
    async with sessions() as session:
        versions = await session.scalar(
            select(func.count())
            .select_from(TemplateVersion)
            .where(TemplateVersion.template_id == new_id)
        )
    assert versions == 2


async def test_an_override_replaces_the_shipped_wording_for_that_organisation_only(
    api: str, tenant: Tenant, sessions: Sessions, settings: Settings
) -> None:
    other = await make_tenant(sessions, settings, "OCMW Brugge")
    own = draft(
        name="herinnering-gent",
        body=(
            "Dag {{ voornaam }}, tot {{ moment | datetime }} in {{ plaats_kort }}. "
            "Bel {{ telefoon }}."
        ),
        variables={
            **VARIABLES,
            "moment": {"example": "2026-12-08T10:00"},
            "plaats_kort": {"example": "Gent"},
        },
        overrides=SMS_TEMPLATE,
    )
    async with httpx.AsyncClient(base_url=api) as client:
        created = await client.post("/v2/templates", json=own, headers=tenant.headers())
        assert created.status_code == 201, created.text
        twice = await client.post("/v2/templates", json=own, headers=tenant.headers())
        ours = (
            await client.post("/v2/notifications/sms", json=sms_body(), headers=tenant.headers())
        ).json()
        theirs = (
            await client.post("/v2/notifications/sms", json=sms_body(), headers=other.headers())
        ).json()
    assert twice.status_code == 400
    assert ours["content"]["body"].startswith("Dag Sara, tot dinsdag")
    assert ours["template"]["id"] == created.json()["template"]["id"]
    assert theirs["template"]["id"] == SMS_TEMPLATE
    assert theirs["content"]["body"].startswith("Dag Sara, denkt u aan uw LAC-gesprek?")


async def test_variant_and_language_fallback_are_recorded(
    api: str, tenant: Tenant, sessions: Sessions
) -> None:
    letter = template_id("lac-tweede-uitnodiging-brief")
    values = {
        "naam": "Sara Janssens",
        "moment": "2026-12-08T10:00",
        "plaats": "Markt 1",
        "telefoon": "09 123 45 67",
        "email": "jan@ocmw.example",
        "maatschappelijk_werker": "Jan",
        "ocmw": "OCMW Gent",
        "onthaal_adres": "Sociaal Huis, Onderbergen 86, 9000 Gent",
        "openingsuren": "maandag tot vrijdag van 9 tot 12 uur",
        "address_line_1": "Sara Janssens",
        "address_line_2": "Kerkstraat 1",
        "address_line_3": "9000 Gent",
    }
    async with httpx.AsyncClient(base_url=api) as client:
        ids = []
        for _ in range(12):
            response = await client.post(
                "/v2/notifications/letter",
                json={"template_id": letter, "personalisation": values, "language": "fr"},
                headers=tenant.headers(),
            )
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
    async with sessions() as session:
        messages = list(await session.scalars(select(Message).where(Message.id.in_(ids))))
    assert {m.variant for m in messages} == {"met-begrenzer", "zonder-begrenzer"}
    assert {(m.language, m.requested_language) for m in messages} == {("nl", "fr")}
    for message in messages:
        has_limiter_text = "zo'n toestel laten plaatsen" in message.body
        assert has_limiter_text == (message.variant == "met-begrenzer")
    async with httpx.AsyncClient(base_url=api) as client:
        shown = (await client.get(f"/v2/notifications/{ids[0]}", headers=tenant.headers())).json()
    assert (shown["language"], shown["requested_language"]) == ("nl", "fr")
    assert shown["variant"] in {"met-begrenzer", "zonder-begrenzer"}


async def test_partner_details_cannot_come_from_the_caller(api: str, tenant: Tenant) -> None:
    personalisation = {**SMS_VALUES, "partner": {"name": "Iemand", "phone": "0470 00 00 00"}}
    async with httpx.AsyncClient(base_url=api) as client:
        response = await client.post(
            "/v2/notifications/sms",
            json=sms_body(personalisation=personalisation),
            headers=tenant.headers(),
        )
    assert response.status_code == 400
    assert "partner is filled in by Messenger" in response.json()["errors"][0]["message"]


async def test_transliteration_keeps_an_organisations_sms_cheap(
    api: str, tenant: Tenant, sessions: Sessions
) -> None:
    body = draft(body="Beste cliënt {{ voornaam }}, ’s morgens om 10 uur. Bel {{ telefoon }}.")
    async with httpx.AsyncClient(base_url=api) as client:
        refused = await client.post("/v2/templates", json=body, headers=tenant.headers())
        assert refused.status_code == 400
        assert refused.json()["report"]["sms"]["offending"] == [[9, "ë"], [19, "’"]]
        async with sessions() as session:
            await update_organisation(session, tenant.organisation_id, sms_transliterate=True)
            await session.commit()
        saved = await client.post("/v2/templates", json=body, headers=tenant.headers())
        assert saved.status_code == 201, saved.text
        report = saved.json()["report"]
        assert report["sms_transliterated"]["encoding"] == "GSM-7"
        assert [f["rule"] for f in report["findings"]] == ["sms-encoding"]
        sent = await client.post(
            "/v2/notifications/sms",
            json={
                "phone_number": "0470123456",
                "template_id": saved.json()["template"]["id"],
                "personalisation": {"voornaam": "Els", "telefoon": "09 1"},
            },
            headers=tenant.headers(),
        )
    assert sent.json()["content"]["body"].startswith("Beste client Els, 's morgens")


async def test_check_lists_every_template_and_the_pdf_preview(api: str, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        # Every template in every language, letters rendered: allow for a busy machine.
        checked = (
            await client.get("/v2/templates/check", headers=tenant.headers(), timeout=60)
        ).json()
        card = await client.post(
            f"/v2/template/{template_id('lac-kaartje')}/pdf",
            json={
                "personalisation": {
                    "voornaam": "Sara",
                    "telefoon": "09 1",
                    "onthaal_adres": "Onderbergen 86, 9000 Gent",
                    "openingsuren": "ma-vr 9-12 uur",
                    "maatschappelijk_werker": "Jan",
                    "ocmw": "OCMW Gent",
                }
            },
            headers=tenant.headers(),
        )
        sms_pdf = await client.post(
            f"/v2/template/{SMS_TEMPLATE}/pdf",
            json={"personalisation": SMS_VALUES},
            headers=tenant.headers(),
        )
    reports = {(r["name"], r["language"]): r for r in checked["reports"]}
    assert ("lac-uitnodiging-brief", "nl") in reports and ("lac-herinnering-sms", "fr") in reports
    assert all(r["ok"] for r in reports.values())
    assert reports[("lac-uitnodiging-brief", "nl")]["pages"] == 1
    assert card.status_code == 200 and card.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(card.content)) as document:
        page = document.pages[0]
        assert (round(page.width), round(page.height)) == (298, 420)  # A6 in points
        assert "We kwamen even langs" in page.extract_text()
    assert sms_pdf.status_code == 400
