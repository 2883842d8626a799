"""The template pages: the list with the linter's verdict, the editor's live check (the SMS
counter and the characters that make a text longer), and saving: a shipped template becomes
the organisation's own version; a draft with errors is not saved."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from messenger.platform.db import Sessions
from messenger.platform.models import Template
from messenger.platform.settings import Settings
from messenger.wording.template_files import template_id
from tests.conftest import make_tenant
from tests.support import SMS_TEMPLATE, Tenant
from tests.web.support import csrf_of, make_person, sign_in

REMINDER = template_id("lac-herinnering-sms")


async def test_the_list_shows_every_template_with_the_linters_verdict(
    http: httpx.AsyncClient,
) -> None:
    page = await http.get("/sjablonen")
    assert page.status_code == 200
    assert f'href="/sjablonen/{SMS_TEMPLATE}"' in page.text
    assert page.text.count("<tr>") > 10
    assert "in orde" in page.text


async def test_the_live_check_counts_sms_and_marks_what_makes_them_longer(
    http: httpx.AsyncClient,
) -> None:
    editor = await http.get(f"/sjablonen/{REMINDER}")
    assert editor.status_code == 200 and 'data-live-check="' in editor.text
    token = csrf_of(editor)
    plain = await http.post(
        f"/sjablonen/{REMINDER}/controle",
        data={"csrf": token, "title": "Herinnering", "body": "Dag {{ voornaam }}, tot dinsdag."},
    )
    assert plain.status_code == 200
    assert "1 sms</strong>" in plain.text and "gewone tekens" in plain.text
    assert "<html" not in plain.text  # a fragment for the page, not a page
    curly = await http.post(
        f"/sjablonen/{REMINDER}/controle",
        data={"csrf": token, "title": "Herinnering", "body": "Dag {{ voornaam }}, ’t is dinsdag."},
    )
    assert "Unicode" in curly.text
    assert '<mark class="offending">’</mark>' in curly.text


async def test_saving_a_shipped_template_makes_the_organisations_own(
    http: httpx.AsyncClient, sessions: Sessions, tenant: Tenant, settings: Settings
) -> None:
    editor = await http.get(f"/sjablonen/{REMINDER}")
    body = (
        "Dag {{ voornaam }}. Denk aan uw afspraak op {{ moment | datetime }} in {{ plaats }}."
        " Vragen? Bel {{ telefoon }}."
    )
    saved = await http.post(
        f"/sjablonen/{REMINDER}",
        data={
            "csrf": csrf_of(editor),
            "title": "Herinnering (Gent)",
            "body": body,
            "actie": "opslaan",
        },
    )
    assert saved.status_code == 303, saved.text
    page = await http.get(saved.headers["location"])
    assert "Opgeslagen." in page.text and "Herinnering (Gent)" in page.text
    async with sessions() as session:
        own = await session.scalar(select(Template).where(Template.overrides_id == REMINDER))
    assert own is not None and own.organisation_id == tenant.organisation_id
    # Another organisation still reads the shipped wording.
    brugge = await make_tenant(sessions, settings, "OCMW Brugge")
    other = await make_person(sessions, brugge.organisation_id, "piet@brugge.be")
    async with httpx.AsyncClient(base_url=str(http.base_url)) as theirs:
        await sign_in(theirs, other)
        assert "Herinnering (Gent)" not in (await theirs.get(f"/sjablonen/{REMINDER}")).text
        assert (await theirs.get(f"/sjablonen/{own.id}")).status_code == 404


async def test_a_draft_with_errors_is_not_saved(
    http: httpx.AsyncClient, sessions: Sessions
) -> None:
    editor = await http.get(f"/sjablonen/{REMINDER}")
    refused = await http.post(
        f"/sjablonen/{REMINDER}",
        data={
            "csrf": csrf_of(editor),
            "title": "Herinnering",
            "body": "Dag {{ onbekend }}",
            "actie": "opslaan",
        },
    )
    assert refused.status_code == 400
    assert "De controle vond fouten" in refused.text
    async with sessions() as session:
        assert (
            await session.scalar(select(Template).where(Template.overrides_id == REMINDER)) is None
        )
