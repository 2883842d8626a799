"""Letters and cards a person can read, checked on real PDFs read back: 12 pt body text (a
card larger), when/where/phone in one framed box, phone numbers and email addresses never
split over two lines, address lines that fit the envelope's window, and a letter for a case
that runs over its one page refused with its reason instead of printed."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import httpx
import pdfplumber
import pytest
from sqlalchemy import func, select

from channels.base import OutgoingMessage
from channels.card_pdf import render_cards
from channels.letter_checks import address_room_mm, line_width_mm, too_wide_line
from channels.letter_pdf import DIN_5008_B, render_batch
from messenger.messages.sending import Origin, RequestRejected, SendRequest, prepare
from messenger.platform import roles
from messenger.platform.db import Sessions
from messenger.platform.models import Message
from messenger.platform.settings import Settings
from messenger.wording.formatting import text_to_html
from tests.casework_api_support import keyed
from tests.support import Tenant

MM = 72 / 25.4
BOX = (
    "^ Wanneer? Dinsdag 8 december om 14 uur\n"
    "^ Waar? Sociaal Huis, Onderbergen 86, Gent\n"
    "^ Bel 09 266 99 00"
)
BODY = (
    "Dag Sara,\n\nWe nodigen u uit voor een gesprek met de Lokale Adviescommissie (LAC).\n\n"
    f"{BOX}\n\nTot dan,\n\nJan Peeters\nOCMW Gent"
)


def letter(
    body: str, address: Sequence[str] = ("Sara Janssens", "Kerkstraat 12", "9000 Gent")
) -> OutgoingMessage:
    return OutgoingMessage(
        message_id="readable",
        kind="letter",
        body=body,
        html=text_to_html(body),
        subject="Uitnodiging voor het LAC-gesprek",
        address_lines=tuple(address),
        sender_lines=("OCMW Gent", "Onderbergen 86", "9000 Gent"),
        written_on="1 december 2026",
    )


def pages(pdf: bytes) -> list[dict[str, Any]]:
    """Each page's words (with their font size) and filled rectangles."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [
            {
                "words": page.extract_words(extra_attrs=["size"]),
                "boxes": [r for r in page.rects if _tinted(r)],
                "text": page.extract_text(),
            }
            for page in document.pages
        ]


def _tinted(rect: dict[str, Any]) -> bool:
    """The inset box's background, #F3F2F1 (the frame is drawn in its own colour)."""
    colour = rect.get("non_stroking_color") or ()
    return bool(rect.get("fill")) and len(colour) == 3 and all(0.93 < c < 0.97 for c in colour)


def _word(words: list[dict[str, Any]], text: str) -> dict[str, Any]:
    return next(w for w in words if w["text"] == text)


def test_the_body_is_12_pt_and_the_heading_larger() -> None:
    [page] = pages(render_batch([letter(BODY)]).pdf)
    assert _word(page["words"], "nodigen")["size"] == pytest.approx(12, abs=0.05)
    assert _word(page["words"], "Uitnodiging")["size"] >= 14 - 0.05


def test_a_card_is_larger_than_a_letter_and_still_fits() -> None:
    body = (
        "Dag Marie-Christine,\n\nWe kwamen vandaag bij u langs, maar u was er niet. "
        "We willen graag met u praten. Samen zoeken we een oplossing.\n\n"
        "^ Bel 09 266 99 00 of mail naar marie-christine.vandenberghe@ocmw.example\n"
        "^ Of kom langs: Sociaal Huis, Onderbergen 86, Gent, maandag tot vrijdag 9-12 uur\n\n"
        "Marie-Christine Vandenberghe\nOCMW Gent"
    )
    rendered = render_cards([letter(body)])
    assert rendered.pages == (1,)
    [page] = pages(rendered.pdf)
    assert _word(page["words"], "kwamen")["size"] > 12
    assert len(page["boxes"]) == 1  # the inset box, on the card too


def test_consecutive_caret_lines_are_one_framed_box_around_all_of_them() -> None:
    [page] = pages(render_batch([letter(BODY)]).pdf)
    [box] = page["boxes"]
    for text in ("Wanneer?", "Waar?", "Bel"):
        word = _word(page["words"], text)
        assert box["x0"] < word["x0"] and word["x1"] < box["x1"]
        assert box["top"] < word["top"] and word["bottom"] < box["bottom"]
    outside = _word(page["words"], "nodigen")
    assert outside["bottom"] < box["top"]


def test_caret_paragraphs_in_a_row_are_one_box_and_apart_two() -> None:
    together = "Dag Sara,\n\n^ Wanneer? Dinsdag\n\n^ Waar? Gent\n\nTot dan."
    apart = "Dag Sara,\n\n^ Wanneer? Dinsdag\n\nTussendoor.\n\n^ Waar? Gent\n\nTot dan."
    assert len(pages(render_batch([letter(together)]).pdf)[0]["boxes"]) == 1
    assert len(pages(render_batch([letter(apart)]).pdf)[0]["boxes"]) == 2


# Filler of growing length moves the number along the line until it would reach the edge.
@pytest.mark.parametrize("filler", range(0, 40, 3))
@pytest.mark.parametrize(
    "contact",
    ["+32 470 12 34 56", "09 234 56 78", "0470/12.34.56", "jan.peeters@ocmw-gent.example"],
)
def test_a_phone_number_or_email_address_stays_on_one_line(filler: int, contact: str) -> None:
    words = "Bel ons " + "a" * filler
    body = f"Dag Sara,\n\nHebt u een vraag? {words} zeker via {contact} of kom langs."
    for where in (render_batch([letter(body)]).pdf, render_cards([letter(body)]).pdf):
        [page] = pages(where)
        parts = contact.split()
        below = _word(page["words"], "vraag?")["top"]  # not the address's "12"
        found = [w for w in page["words"] if w["text"].rstrip(".") in parts and w["top"] >= below]
        assert {w["text"].rstrip(".") for w in found} == set(parts)
        assert len({round(w["top"]) for w in found}) == 1, found


@pytest.mark.parametrize(
    "line",
    [
        "Sara Janssens",
        "Sint-Pietersnieuwstraat 123 bus 45",
        "Marie-Christine Vandenberghe-Van Acker",
        "WWWWWWWWWWWWWWWWWWWWWWWWWWWW",
        "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii",
    ],
)
def test_the_measured_width_is_the_printed_width(line: str) -> None:
    """The metrics the check uses agree with what WeasyPrint prints in the window."""
    [page] = pages(render_batch([letter(BODY, (line, "Kerkstraat 1", "9000 Gent"))]).pdf)
    words = [w for w in page["words"] if w["text"] in line.split() and w["top"] < 95 * MM]
    printed = (max(w["x1"] for w in words) - min(w["x0"] for w in words)) / MM
    assert line_width_mm(line) == pytest.approx(printed, abs=1.5)  # kerning, left out
    assert line_width_mm(line) >= printed - 0.1  # never narrower than printed


def test_an_address_line_that_fits_stays_on_one_line_in_the_window() -> None:
    street = "Burgemeester Van Gansberghelaan 123"  # 71 mm of 75
    assert too_wide_line(["Sara Janssens", street, "9000 Gent"]) is None
    [page] = pages(render_batch([letter(BODY, ("Sara Janssens", street, "9000 Gent"))]).pdf)
    words = [w for w in page["words"] if w["text"] in street.split() and w["top"] < 95 * MM]
    assert len(words) == len(street.split())
    assert len({round(w["top"]) for w in words}) == 1
    right = (DIN_5008_B.left + DIN_5008_B.width) * MM
    assert max(w["x1"] for w in words) <= right


def test_an_address_line_too_wide_for_the_window_is_named_with_its_width() -> None:
    lines = [
        "Sara Janssens",
        "Burgemeester Van Gansberghelaan 123 bus 45 (achterbouw)",
        "9000 Gent",
    ]
    found = too_wide_line(lines)
    assert found is not None
    assert found.position == 2
    assert found.most_mm == address_room_mm() == 75
    assert found.width_mm > 75
    assert found.dutch().startswith("adresregel 2 is te lang voor het venster van de envelop (")
    assert "max. 75 mm" in found.dutch()
    assert found.english().startswith("is too wide for the envelope window (")


PARAGRAPH = "Wij willen graag met u praten over uw plan en wat u nodig hebt om verder te kunnen."
ADDRESS = {"address_line_1": "Sara Janssens", "address_line_2": "Kerkstraat 12",
           "address_line_3": "9000 Gent"}  # fmt: skip


async def test_a_case_letter_over_one_page_is_refused_with_its_reason(
    api: str, sessions: Sessions, settings: Settings, tenant: Tenant
) -> None:
    """A plan step sends through `prepare`: the reason it gets is what its note and task say.
    The same letter through the API (Notify's 10 pages) is fine."""
    admin = await keyed(sessions, settings, tenant.organisation_id, roles.ADMIN)
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:
        made = await http.post(
            "/v2/templates",
            headers=admin.headers(),
            json={
                "name": "brief-op-maat", "type": "letter", "title": "Een brief op maat",
                "subject": "Uw plan", "checks": ["accept:contact-ways"],
                "body": "Dag ((naam)),\n\n((tekst))\n\nBel 09 123 45 67.",
            },
        )  # fmt: skip
        assert made.status_code == 201, made.text
        template_id = made.json()["template"]["id"]
        values = {**ADDRESS, "naam": "Sara", "tekst": "\n\n".join([PARAGRAPH] * 12)}
        through_api = await http.post(
            "/v2/notifications/letter",
            headers=tenant.headers(),
            json={"template_id": template_id, "personalisation": values},
        )
        assert through_api.status_code == 201, through_api.text

    def request(paragraphs: int) -> SendRequest:
        return SendRequest(
            kind="letter",
            template_id=template_id,
            personalisation={**values, "tekst": "\n\n".join([PARAGRAPH] * paragraphs)},
            case_id="case-1",
        )

    origin = Origin(organisation_id=tenant.organisation_id, key_type="normal")
    async with sessions() as session:
        fits = await prepare(session, origin, request(2))
        assert fits.kind == "letter"
        with pytest.raises(RequestRejected) as refused:
            await prepare(session, origin, request(12))
        assert refused.value.message == (
            "de brief past niet op één A4-blad: 2 pagina's. Niet verstuurd; maak de tekst korter."
        )
        assert await session.scalar(select(func.count()).select_from(Message)) == 1
