"""Notify's inset text: a paragraph starting with "^" is an indented block with a grey
left border in an email (and in a letter), its "^" gone from the email's plain-text part;
an SMS is never formatted and keeps the "^" as written (notifications-utils, markdown.py)."""

from __future__ import annotations

import asyncio
import email
import io
import json
from email import policy
from typing import Any

import httpx
import pdfplumber
import pytest
from notifications_python_client.notifications import NotificationsAPIClient

from channels.base import OutgoingMessage
from channels.letter_pdf import render_batch
from messenger.platform.settings import Settings
from messenger.wording.formatting import (
    INSET_STYLE,
    is_inset,
    text_to_html,
    without_inset_marks,
)
from tests.support import Tenant, wait_for_status

BLOCK = f'<blockquote style="{INSET_STYLE}">'
END = "</blockquote>"


def inset(*inner: str) -> str:
    return BLOCK + "\n".join(inner) + END


@pytest.mark.parametrize(
    ("text", "html"),
    [
        # Notify's own case (test_markdown.py, test_block_quote).
        ("^ inset text", inset("<p>inset text</p>")),
        ("^inset text", inset("<p>inset text</p>")),
        ("^  two spaces", inset("<p>two spaces</p>")),
        ("  ^ indented caret", inset("<p>indented caret</p>")),
        ("^ one\n^ two", inset("<p>one<br>\ntwo</p>")),
        # Lines after the first belong to the inset with or without their own "^".
        ("^ one\ncontinued", inset("<p>one<br>\ncontinued</p>")),
        # Inset paragraphs in a row are one block; a lone "^" line starts a paragraph in it.
        ("^ one\n\n^ two", inset("<p>one</p>\n<p>two</p>")),
        ("^ one\n\n\n^ two", inset("<p>one</p>\n<p>two</p>")),
        ("^ one\n^\n^ two", inset("<p>one</p>\n<p>two</p>")),
        ("^ one\n\nafter", inset("<p>one</p>") + "\n<p>after</p>"),
        (
            "before\n\n^ inset\n\nafter",
            "<p>before</p>\n" + inset("<p>inset</p>") + "\n<p>after</p>",
        ),
        (
            "^ a\n\nb\n\n^ c",
            inset("<p>a</p>") + "\n<p>b</p>\n" + inset("<p>c</p>"),
        ),
        ("Dag,\r\n\r\n^ Neem mee.\r\n", "<p>Dag,</p>\n" + inset("<p>Neem mee.</p>")),
        ("^ Breng mee:\n- uw kaart", inset("<p>Breng mee:</p>\n<ul><li>uw kaart</li></ul>")),
        # Escaped like everything else.
        ("^ a & b <i>", inset("<p>a &amp; b &lt;i&gt;</p>")),
        # Only one level: a second caret stays.
        ("^^ twice", inset("<p>^ twice</p>")),
    ],
)
def test_a_caret_paragraph_is_an_inset_block(text: str, html: str) -> None:
    assert text_to_html(text) == html


@pytest.mark.parametrize(
    "text",
    [
        "^",  # nothing after the caret
        "Intro\n^ not at the start",  # as in Notify: inside a paragraph it stays
        "a ^ b",
        "2^10",
        "- ^ item",
        "\\^ escaped",
    ],
)
def test_a_caret_elsewhere_stays_as_written(text: str) -> None:
    html = text_to_html(text)
    assert "<blockquote" not in html
    assert "^" in html
    assert without_inset_marks(text) == text


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("^ inset text", "inset text"),  # Notify's plain-text email: "\n\ninset text"
        ("^inset", "inset"),
        ("^  two spaces", " two spaces"),  # one space goes, as in Notify
        ("  ^ indented", "indented"),
        ("^ one\n^ two", "one\ntwo"),
        ("^ one\ncontinued", "one\ncontinued"),
        ("^ one\n\n^ two", "one\n\ntwo"),
        ("^ one\n^\n^ two", "one\n\ntwo"),
        ("before\n\n^ inset\n\nafter", "before\n\ninset\n\nafter"),
        ("Intro\n^ stays", "Intro\n^ stays"),
        ("Dag,\r\n\r\n^ Neem mee.\r\nTot dan.", "Dag,\r\n\r\nNeem mee.\r\nTot dan."),
        ("Dag,\r\rx\r\r^ y", "Dag,\r\rx\r\ry"),
        ("^ a\n  \n^ b", "a\n  \nb"),  # a line of spaces does not end the paragraph
        ("^^ twice", "^ twice"),
        ("", ""),
        ("no caret\n\nat all\n", "no caret\n\nat all\n"),
    ],
)
def test_the_plain_text_part_loses_the_caret_only(text: str, plain: str) -> None:
    assert without_inset_marks(text) == plain


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("^ x", True),
        ("\n  ^x\nmore", True),
        ("^", False),
        ("^   ", False),
        ("x\n^ y", False),
        ("", False),
    ],
)
def test_is_inset(paragraph: str, expected: bool) -> None:
    assert is_inset(paragraph) is expected


def test_the_inset_style_is_a_grey_left_border() -> None:
    assert "border-left: 10px solid #B1B4B6" in INSET_STYLE
    assert "padding" in INSET_STYLE


def test_a_letter_prints_the_inset_indented_without_the_caret() -> None:
    body = "Beste Sara,\n\n^ Neem uw identiteitskaart mee.\n\nMet vriendelijke groeten,"
    letter = OutgoingMessage(
        message_id="inset",
        kind="letter",
        body=body,
        html=text_to_html(body),
        subject="Uw afspraak",
        address_lines=("Sara Janssens", "Kerkstraat 12", "9000 Gent"),
        sender_lines=("OCMW Gent",),
        written_on="1 december 2026",
    )
    with pdfplumber.open(io.BytesIO(render_batch([letter]).pdf)) as pdf:
        page = pdf.pages[0]
        words = page.extract_words()
        text = page.extract_text()
    assert "^" not in text
    assert "Neem uw identiteitskaart mee." in text
    left = {w["text"]: w["x0"] for w in words}
    assert left["Neem"] > left["Beste"] + 5  # indented past the border
    assert left["Met"] == pytest.approx(left["Beste"])


# A template as a team moving from Notify writes it: ((placeholders)) and a "^" line.
NOTIFY_EMAIL = (
    "Dag ((voornaam)),\n\n"
    "U hebt een afspraak bij het OCMW op ((datum)).\n\n"
    "^ Neem uw identiteitskaart mee.\n\n"
    "Lukt het niet? Bel ons op 09 266 99 00.\n\n"
    "Tot dan,\nHet OCMW"
)
NOTIFY_SMS = (
    "Dag ((voornaam)), u hebt een afspraak bij het OCMW op ((datum)).\n"
    "^ Neem uw identiteitskaart mee. Lukt het niet? Bel 09 266 99 00."
)
VALUES = {"voornaam": "Sara", "datum": "dinsdag 8 december"}


async def _template(http: httpx.AsyncClient, tenant: Tenant, **draft: Any) -> str:
    made = await http.post(
        "/v2/templates", json={"language": "nl", "variables": {}, **draft}, headers=tenant.headers()
    )
    assert made.status_code == 201, made.text
    template_id: str = made.json()["template"]["id"]
    return template_id


@pytest.mark.usefixtures("worker")
async def test_a_notify_template_with_inset_text_reaches_the_outbox(
    api: str, tenant: Tenant, settings: Settings
) -> None:
    notify = NotificationsAPIClient(tenant.api_key, base_url=api)
    async with httpx.AsyncClient(base_url=api) as http:
        email_template = await _template(
            http, tenant, name="afspraak-email", type="email", title="Afspraak",
            subject="Uw afspraak bij het OCMW", body=NOTIFY_EMAIL,
        )  # fmt: skip
        sms_template = await _template(
            http, tenant, name="afspraak-sms", type="sms", title="Afspraak", body=NOTIFY_SMS
        )
        sent_email = await asyncio.to_thread(
            notify.send_email_notification, "sara@example.be", email_template, VALUES
        )
        sent_sms = await asyncio.to_thread(
            notify.send_sms_notification, "0470 12 34 56", sms_template, VALUES
        )
        # The API's body is the text as written, "^" and all, as Notify's is.
        assert "^ Neem uw identiteitskaart mee." in sent_email["content"]["body"]
        for sent in (sent_email, sent_sms):
            final = await wait_for_status(http, tenant, sent["id"])
            assert final["status"] == "delivered", final

    raw = (settings.outbox_dir / "email" / f"{sent_email['id']}.eml").read_bytes()
    mail = email.message_from_bytes(raw, policy=policy.default)
    html_part = mail.get_body(preferencelist=("html",))
    plain_part = mail.get_body(preferencelist=("plain",))
    assert html_part is not None and plain_part is not None
    html = html_part.get_content()
    assert inset("<p>Neem uw identiteitskaart mee.</p>") in html
    assert "<p>Dag Sara,</p>" in html and "^" not in html
    plain = plain_part.get_content()
    assert "\nNeem uw identiteitskaart mee.\n" in plain
    assert "^" not in plain and "Dag Sara," in plain

    sms = json.loads((settings.outbox_dir / "sms" / f"{sent_sms['id']}.json").read_text())
    assert "\n^ Neem uw identiteitskaart mee." in sms["body"]  # an SMS is sent as written
