"""Journeys in a real browser (Chromium, through Playwright), each page checked by axe-core
(no serious or critical violation), without sideways scrolling, and photographed."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.test_lac_workflow import CASE_LIST
from tests.web.browser import PHONE, ZOOMED, check_page, needs_chromium
from tests.web.support import PASSWORD

pytestmark = needs_chromium


async def sign_in(page: Page, api: str, email: str) -> None:
    await page.goto(f"{api}/")
    await expect(page).to_have_url(f"{api}/aanmelden?terug=/")
    await page.get_by_label("E-mailadres").fill(email)
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Aanmelden").click()
    await expect(page.get_by_role("heading", name="Vandaag")).to_be_visible()


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
    for _ in range(10):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.textContent")
        if "15 december" in focused:
            break
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("OCMW Gent, Onderbergen 86")).to_be_visible()
