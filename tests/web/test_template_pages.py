"""The template pages: the list with the linter's verdict, the editor's live check (the SMS
counter and the characters that make a text longer), and saving: a shipped template becomes
the organisation's own version; a draft with errors is not saved."""

from __future__ import annotations

import base64
import io
import re

import httpx
import pypdfium2 as pdfium
import pytest
from PIL import Image
from sqlalchemy import select

from messenger.platform.db import Sessions
from messenger.platform.models import Organisation, Template
from messenger.platform.settings import Settings
from messenger.wording import template_store
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
        "Dag {{ voornaam }}. Denk aan het LAC-gesprek op {{ moment | datetime }}"
        " in {{ plaats_kort }}. Vragen? Bel {{ telefoon }}."
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


SECOND_LETTER = template_id("lac-tweede-uitnodiging-brief")
PICTURE = re.compile(r'<img class="page-picture" src="data:image/png;base64,([^"]+)"')


def pictures_in(page: httpx.Response) -> list[Image.Image]:
    return [Image.open(io.BytesIO(base64.b64decode(data))) for data in PICTURE.findall(page.text)]


def ink(picture: Image.Image) -> int:
    """How many pixels are not paper-white: a blank page has none."""
    histogram = picture.convert("L").histogram()
    return sum(histogram[:200])


async def test_a_letter_is_shown_as_its_printed_page_for_each_variant(
    http: httpx.AsyncClient,
) -> None:
    editor = await http.get(f"/sjablonen/{SECOND_LETTER}")
    assert editor.status_code == 200
    # Both variants, each with its page: an A4 sheet with the letter printed on it.
    assert "Zo leest de cliënt het: zonder-begrenzer" in editor.text
    assert "Zo leest de cliënt het: met-begrenzer" in editor.text
    assert "Zo leest de cliënt het: met-begrenzer met partner" in editor.text
    pictures = pictures_in(editor)
    assert len(pictures) == 4  # two variants, each with and without a partner's details
    for picture in pictures:
        assert picture.format == "PNG"
        assert abs(picture.height / picture.width - 297 / 210) < 0.01
        assert ink(picture) > 5_000
    assert 'value="zonder-begrenzer"' in editor.text and 'value="met-begrenzer"' in editor.text
    # The live check draws the draft: a longer text puts more ink on the page.
    token = csrf_of(editor)
    draft = {"csrf": token, "title": "Brief", "subject": "We hebben nog niets van u gehoord"}
    short = await http.post(
        f"/sjablonen/{SECOND_LETTER}/controle",
        data={**draft, "body": "Beste {{ naam }},\n\nBel ons op {{ telefoon }}."},
    )
    longer = await http.post(
        f"/sjablonen/{SECOND_LETTER}/controle",
        data={**draft, "body": "Beste {{ naam }},\n\nBel ons op {{ telefoon }}.\n\n" * 6},
    )
    assert [len(pictures_in(r)) for r in (short, longer)] == [1, 1]  # no variants: one text
    assert ink(pictures_in(longer)[0]) > ink(pictures_in(short)[0])


async def test_variants_are_changed_in_the_editor_and_saved(
    http: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    editor = await http.get(f"/sjablonen/{REMINDER}")
    body = (
        "Dag {{ voornaam }}. {% if variant == 'kort' %}Tot {{ moment | datetime }}.{% else %}"
        "Denk aan het LAC-gesprek op {{ moment | datetime }} in {{ plaats_kort }}.{% endif %}"
        " Vragen? Bel {{ telefoon }}."
    )
    form = {"csrf": csrf_of(editor), "title": "Herinnering", "body": body, "actie": "opslaan"}
    rows = {"variant_name": ["kort", "lang", ""], "variant_weight": ["1", "2,5", ""]}
    saved = await http.post(f"/sjablonen/{REMINDER}", data={**form, **rows})
    assert saved.status_code == 303, saved.text
    page = await http.get(saved.headers["location"])
    assert "Zo leest de cliënt het: kort" in page.text and 'value="2.5"' in page.text
    async with sessions() as session:
        choice = await template_store.find(session, tenant.organisation_id, REMINDER)
    assert choice is not None and choice.source().variants == {"kort": 1.0, "lang": 2.5}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"variant_name": ["alleen"], "variant_weight": ["1"]}, "minstens twee"),
        ({"variant_name": ["Met Begrenzer", "b"], "variant_weight": ["1", "1"]}, "kleine letters"),
        ({"variant_name": ["a", "b"], "variant_weight": ["0", "1"]}, "aandeel van meer dan 0"),
        ({"variant_name": ["a", "a"], "variant_weight": ["1", "1"]}, "twee keer"),
    ],
)
async def test_bad_variants_are_refused_and_the_text_is_kept(
    http: httpx.AsyncClient, rows: dict[str, list[str]], message: str
) -> None:
    editor = await http.get(f"/sjablonen/{REMINDER}")
    typed = "Dag {{ voornaam }}, dit typte ik net."
    form = {"csrf": csrf_of(editor), "title": "Herinnering", "body": typed, "actie": "opslaan"}
    refused = await http.post(f"/sjablonen/{REMINDER}", data={**form, **rows})
    assert refused.status_code == 400
    assert message in refused.text and 'aria-invalid="true"' in refused.text
    assert typed in refused.text  # what the person typed is not lost


async def test_the_waiting_room_sheet_prints_with_the_organisations_details(
    http: httpx.AsyncClient, sessions: Sessions, tenant: Tenant
) -> None:
    """A letter that names no client prints from its page, filled in from the profile; a
    letter to a client cannot, and the page says which values nobody fills in."""
    async with sessions() as session:
        await template_store.sync_shipped(session)
        organisation = await session.get(Organisation, tenant.organisation_id)
        assert organisation is not None
        organisation.walk_in_address = "Sociaal Huis, Onderbergen 86, 9000 Gent"
        organisation.opening_hours = "maandag tot vrijdag van 9 tot 12 uur"
        organisation.contact_phone = "09 266 99 00"
        await session.commit()
    sheet = template_id("infoblad-hulp-ocmw")
    editor = await http.get(f"/sjablonen/{sheet}")
    assert f'href="/sjablonen/{sheet}/afdrukken"' in editor.text
    printed = await http.get(f"/sjablonen/{sheet}/afdrukken")
    assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
    document = pdfium.PdfDocument(printed.content)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    assert len(document) == 1
    assert "Onderbergen 86" in text and "09 266 99 00" in text and "van 9 tot 12 uur" in text
    refused = await http.get(f"/sjablonen/{template_id('lac-uitnodiging-brief')}/afdrukken")
    assert refused.status_code == 400
    assert "<li>naam</li>" in refused.text and "Bericht sturen" in refused.text
    sms = await http.get(f"/sjablonen/{REMINDER}/afdrukken")
    assert sms.status_code == 400 and "alleen brieven en kaartjes" in sms.text
