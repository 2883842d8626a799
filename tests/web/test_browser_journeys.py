"""Journeys in a real browser (Chromium, through Playwright), each page checked by axe-core
(no serious or critical violation), without sideways scrolling, and photographed."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from messenger.wording.template_files import template_id
from tests.casework_api_support import consent, new_client, new_partner, sharing
from tests.conftest import make_tenant
from tests.support import LETTER_TEMPLATE, SMS_TEMPLATE, Tenant
from tests.test_lac_workflow import CASE_LIST
from tests.web.browser import PHONE, ZOOMED, check_page, needs_chromium
from tests.web.conftest import Replied
from tests.web.support import PASSWORD, make_person

pytestmark = needs_chromium


async def sign_in(page: Page, api: str, email: str, heading: str = "Vandaag") -> None:
    await page.goto(f"{api}/")
    await expect(page).to_have_url(f"{api}/aanmelden?terug=/")
    await page.get_by_label("E-mailadres").fill(email)
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Aanmelden").click()
    await expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()


async def test_sign_in_then_import_a_session_and_confirm_it(api: str, page: Page) -> None:
    await page.goto(f"{api}/aanmelden")
    await check_page(page, "aanmelden")
    # A wrong password: the summary at the top, the message at the field.
    await page.get_by_label("E-mailadres").fill("an@ocmw.be")
    await page.get_by_label("Wachtwoord").fill("niet het wachtwoord")
    await page.get_by_role("button", name="Aanmelden").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Het e-mailadres of het wachtwoord klopt niet.")
    await expect(summary).to_be_focused()
    await check_page(page, "aanmelden-fout")

    await sign_in(page, api, "an@ocmw.be")
    await check_page(page, "vandaag")
    await page.get_by_role("link", name="Zittingen").click()
    await check_page(page, "zittingen")
    await page.get_by_role("link", name="dinsdag 15 december 2026, 10.00 uur").click()
    await check_page(page, "zitting-leeg")
    await page.get_by_role("link", name="Cliëntenlijst inlezen").click()
    await check_page(page, "inlezen")
    await page.get_by_label("Bestand").set_input_files(str(CASE_LIST))
    await page.get_by_role("button", name="Controleren").click()
    await expect(page.get_by_role("heading", name="Controleer wat er zal gebeuren")).to_be_visible()
    await expect(page.get_by_text("15 cliënten. Er is nog niets opgeslagen.")).to_be_visible()
    await check_page(page, "inlezen-controle")
    await page.get_by_role("button", name="Inlezen en plannen").click()
    await expect(page.get_by_role("status")).to_contain_text("15 cliënten ingelezen")
    await expect(page.get_by_role("heading", name="Cliënten (15)")).to_be_visible()
    await check_page(page, "zitting")

    # The same pages on a phone, and at 200 % zoom: readable without sideways scrolling.
    for size, label in ((PHONE, "telefoon"), (ZOOMED, "zoom-200")):
        await page.set_viewport_size(size)
        await page.reload()
        await check_page(page, f"zitting-{label}")
        await page.goto(f"{api}/")
        await check_page(page, f"vandaag-{label}")


async def test_everything_can_be_reached_with_the_keyboard(api: str, page: Page) -> None:
    await page.goto(f"{api}/aanmelden")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Naar de inhoud")).to_be_focused()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("E-mailadres")).to_be_focused()
    await page.keyboard.type("an@ocmw.be")
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Vandaag")).to_be_visible()
    # Tab to the session link and open it without a mouse.
    for _ in range(40):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.textContent")
        if "15 december" in focused:
            break
    assert "15 december" in focused, "the session link cannot be reached with Tab"
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("OCMW Gent, Onderbergen 86")).to_be_visible()


async def test_see_a_clients_plan_open_a_reply_and_close_its_task(
    api: str, page: Page, replied: Replied
) -> None:
    await sign_in(page, api, "an@ocmw.be")
    await page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Inbox").click()
    await expect(page.get_by_text("Ik werk die dag. Kan het later?")).to_be_visible()
    await check_page(page, "inbox")
    task = page.locator(".item", has_text="Sara Janssens").filter(has_text="Afsluiten")
    await task.get_by_role("link", name="Sara Janssens").click()
    await expect(page.get_by_role("heading", name="Sara Janssens", level=1)).to_be_visible()
    await expect(page.get_by_role("table", name="Plan van Sara Janssens")).to_be_visible()
    await check_page(page, "client")
    await page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Inbox").click()
    task = page.locator(".item", has_text="Sara Janssens").filter(has_text="Afsluiten")
    await task.get_by_role("button", name="Afsluiten").click()
    await expect(page.get_by_role("status")).to_have_text("Taak afgesloten.")
    await expect(
        page.locator(".item", has_text="Sara Janssens").filter(has_text="Afsluiten")
    ).to_have_count(0)


async def test_record_a_home_visit_at_phone_size(api: str, page: Page, replied: Replied) -> None:
    await page.set_viewport_size(PHONE)
    await sign_in(page, api, "an@ocmw.be")
    await page.goto(f"{api}/clienten/{replied.client_id}")
    await page.get_by_role("link", name="Contactpoging noteren").click()
    await check_page(page, "contactpoging-telefoon")
    await page.get_by_role("button", name="Opslaan").click()  # nothing chosen yet
    await expect(page.get_by_role("alert")).to_contain_text("Kies hoe u de cliënt")
    await check_page(page, "contactpoging-fout-telefoon")
    await page.get_by_label("Huisbezoek, aangekondigd").check()
    await page.get_by_label("Ik heb de cliënt gesproken").check()
    await page.get_by_label("Notitie (niet verplicht)").fill("Komt naar de zitting.")
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.get_by_role("status")).to_have_text("Contactpoging genoteerd.")
    await expect(page.get_by_text("Huisbezoek (aangekondigd): bereikt")).to_be_visible()
    await check_page(page, "client-telefoon")


async def test_make_and_download_a_print_batch_then_mark_it_posted(
    print_api: str, page: Page, letters: list[str]
) -> None:
    await sign_in(page, print_api, "an@ocmw.be")
    await (
        page.get_by_role("navigation", name="Hoofdmenu")
        .get_by_role("link", name="Drukkerij")
        .click()
    )
    await expect(page.get_by_text("3 brieven wachten")).to_be_visible()
    await check_page(page, "drukkerij")
    await page.get_by_role("button", name="Nu een drukbatch maken").click()
    await expect(page.get_by_role("status")).to_contain_text("De drukbatch is klaar")
    await page.get_by_role("table").get_by_role("link").first.click()
    await check_page(page, "drukbatch")
    async with page.expect_download() as pdf:
        await page.get_by_role("link", name="Brieven downloaden (PDF)").click()
    download = await pdf.value
    assert download.suggested_filename.endswith(".pdf")
    assert (await download.path()).read_bytes().startswith(b"%PDF")
    async with page.expect_download() as manifest:
        await page.get_by_role("link", name="Lijst voor de post downloaden (CSV)").click()
    assert (await (await manifest.value).path()).read_text().startswith("sequence,")
    await page.get_by_role("button", name="De brieven zijn gepost").click()
    await expect(page.get_by_role("status")).to_have_text("De brieven staan op ‘verstuurd’.")
    await expect(page.get_by_role("cell", name="verstuurd")).to_have_count(3)


async def test_a_partner_acknowledges_a_notice(
    api: str, page: Page, sessions: Sessions, tenant: Tenant
) -> None:
    async with httpx.AsyncClient(base_url=api) as office:
        client = await new_client(office, tenant)
        partner = await new_partner(office, tenant)
        await consent(office, tenant, client["id"], given=True, **sharing(partner["id"], "name"))
    await make_person(
        sessions,
        tenant.organisation_id,
        "els@debrug.be",
        role=roles.PARTNER,
        partner_id=partner["id"],
    )
    await sign_in(page, api, "els@debrug.be", heading="Meldingen")
    await check_page(page, "partner")
    await page.get_by_role("button", name="Gelezen").click()
    await expect(page.get_by_role("status")).to_have_text("Gemarkeerd als gelezen.")
    await expect(page.get_by_text("Gelezen door An Peeters")).to_be_visible()


async def test_a_water_company_reports_a_failed_payment_plan(
    api: str, page: Page, sessions: Sessions, tenant: Tenant, replied: Replied
) -> None:
    await make_person(
        sessions,
        tenant.organisation_id,
        "dossiers@dewatergroep.be",
        role=roles.WATER_COMPANY,
        water_company="De Watergroep",
    )
    await sign_in(page, api, "dossiers@dewatergroep.be", heading="Dossiers van De Watergroep")
    await check_page(page, "watermaatschappij")
    row = page.get_by_role("row", name="DW-2026-0412")
    await row.get_by_role("link", name="Iets melden").click()
    await page.get_by_label("Het afbetalingsplan loopt niet meer").check()
    await page.get_by_label("Toelichting (niet verplicht)").fill("Twee maanden niet betaald.")
    await check_page(page, "watermaatschappij-melden")
    await page.get_by_role("button", name="Melden", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("doorgegeven aan de sociale dienst")


async def test_a_social_worker_of_another_organisation_sees_none_of_it(
    api: str, page: Page, settings: Settings, sessions: Sessions, replied: Replied
) -> None:
    brugge = await make_tenant(sessions, settings, "OCMW Brugge")
    await make_person(sessions, brugge.organisation_id, "piet@brugge.be")
    await sign_in(page, api, "piet@brugge.be")
    await expect(page.get_by_text("Er is geen zitting gepland.")).to_be_visible()
    await page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Inbox").click()
    await expect(page.get_by_text("Geen antwoorden die wachten.")).to_be_visible()
    await expect(page.get_by_text("Janssens")).to_have_count(0)
    await page.goto(f"{api}/clienten/{replied.client_id}")
    await expect(page.get_by_role("heading", name="Pagina niet gevonden")).to_be_visible()
    await check_page(page, "niet-gevonden")


async def test_edit_a_template_see_the_check_react_and_save(api: str, page: Page) -> None:
    await sign_in(page, api, "an@ocmw.be")
    await (
        page.get_by_role("navigation", name="Hoofdmenu")
        .get_by_role("link", name="Sjablonen")
        .click()
    )
    await check_page(page, "sjablonen")
    await page.get_by_role("link", name="Herinnering twee dagen voor het LAC-gesprek (sms)").click()
    await check_page(page, "sjabloon")
    counter = page.locator("#sms-teller")
    await expect(counter).to_contain_text("gewone tekens")
    text = page.get_by_label("Tekst")
    # A curly apostrophe turns the SMS into Unicode: the counter says so and marks it.
    await text.press("End")
    await text.type(" ’t Is belangrijk.")
    await expect(counter).to_contain_text("Unicode")
    await expect(page.locator("mark.offending")).to_have_text("’")
    await check_page(page, "sjabloon-unicode")
    await text.fill(
        "Dag {{ voornaam }}. Denk aan het LAC-gesprek op {{ moment | datetime }}"
        " in {{ plaats_kort }}."
    )
    await expect(counter).to_contain_text("gewone tekens")
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.get_by_role("status")).to_contain_text("Opgeslagen.")


async def test_every_staff_page_passes_axe_at_desktop_and_phone_width(
    api: str, page: Page, sessions: Sessions, tenant: Tenant, replied: Replied, session_id: str
) -> None:
    await make_person(sessions, tenant.organisation_id, "beheer@ocmw.be", role=roles.ADMIN)
    await sign_in(page, api, "beheer@ocmw.be")
    pages = {
        "vandaag": "/",
        "zittingen": "/zittingen",
        "zitting-nieuw": "/zittingen/nieuw",
        "kalender": "/zittingen/kalender?maand=2026-12",
        "organisatie": "/beheer/organisatie",
        "client": f"/clienten/{replied.client_id}",
        "toestemming": f"/clienten/{replied.client_id}/toestemming",
        "uitkomst": f"/dossiers/{replied.case_id}/uitkomst",
        "wissen": f"/clienten/{replied.client_id}/wissen",
        "bericht": f"/clienten/{replied.client_id}/bericht",
        "gegevens": f"/clienten/{replied.client_id}/gegevens",
        "bericht-sms": f"/clienten/{replied.client_id}/bericht?sjabloon={SMS_TEMPLATE}",
        "bericht-brief": f"/clienten/{replied.client_id}/bericht?sjabloon={LETTER_TEMPLATE}",
        "zitting-verplaatsen": f"/zittingen/{session_id}/verplaatsen",
        "zitting-annuleren": f"/zittingen/{session_id}/annuleren",
        "clienten": "/clienten?q=Janssens",
        "inbox": "/inbox",
        "rapporten": "/rapporten?van=2026-11-01&tot=2026-12-31&per=channel",
        "beheer": "/beheer",
        "account-nieuw": "/beheer/accounts/nieuw",
        "medewerkers": "/beheer/medewerkers",
        "medewerker-nieuw": "/beheer/medewerkers/nieuw",
        "verzending": "/beheer/verzending",
        "callbacks": "/beheer/callbacks",
        "drukkerij": "/drukkerij",
        "sjablonen": "/sjablonen",
        "sjabloon-brief": f"/sjablonen/{template_id('lac-tweede-uitnodiging-brief')}",
    }
    for size, label in ((None, ""), (PHONE, "-telefoon")):
        if size:
            await page.set_viewport_size(size)
        for name, path in pages.items():
            await page.goto(f"{api}{path}")
            await check_page(page, f"alle-{name}{label}")
