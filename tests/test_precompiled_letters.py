"""Letters made elsewhere (Notify's precompiled letters): a case system's own PDF, in base64,
goes through the same print room and is printed as it is. One that cannot be printed as it
is (not A4, too long, something around the address window, no Belgian address) is kept as
`validation-failed` with the reason; what is not a PDF at all is a 400."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pdfplumber
import pytest

from channels.sandbox import outbox_path
from messenger.aftercare.retention import purge_bodies
from messenger.messages import print_batches
from messenger.platform.db import Sessions
from messenger.platform.models import LetterFile, Message
from messenger.platform.settings import Settings
from tests.casework_api_support import errors
from tests.support import Tenant, letter_body, wait_for_status
from tests.test_print_batches import _wait_for_print

LETTERS = "/v2/notifications/letter"
ADDRESS = ("Els Claes", "Veldstraat 9", "9000 Gent")


def made_elsewhere(
    *,
    address: tuple[str, ...] = ADDRESS,
    page: str = "A4",
    pages: int = 1,
    mark_near_window: bool = False,
    text: str = "Uw afbetalingsplan, zoals afgesproken.",
) -> bytes:
    """A PDF as a case system makes it: the address in the window (DIN 5008 B), its own text."""
    from weasyprint import HTML

    lines = "<br>".join(address)
    mark = '<div class="mark"></div>' if mark_near_window else ""
    body = "".join(f'<section class="page"><p>{text} (blad {n + 1})</p></section>'
                   for n in range(pages))  # fmt: skip
    html = f"""<html><head><style>
      @page {{ size: {page}; margin: 0 }}
      .window {{ position: absolute; top: 50mm; left: 25mm; font: 10pt sans-serif }}
      .mark {{ position: absolute; top: 42mm; left: 30mm; width: 40mm; border-top: 1pt solid }}
      .page {{ page-break-after: always; padding: 110mm 25mm 0 25mm }}
    </style></head><body><div class="window">{lines}</div>{mark}{body}</body></html>"""
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def precompiled(pdf: bytes, reference: str = "dossier-77", **extra: Any) -> dict[str, Any]:
    return {"reference": reference, "content": base64.b64encode(pdf).decode(), **extra}


async def status_of(http: httpx.AsyncClient, tenant: Tenant, message_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (
        await http.get(f"/v2/notifications/{message_id}", headers=tenant.headers())
    ).json()
    return found


async def test_a_letter_made_elsewhere_is_printed_as_it_is_in_the_days_batch(
    print_api: str, print_settings: Settings, sessions: Sessions, tenant: Tenant
) -> None:
    theirs = made_elsewhere()
    async with httpx.AsyncClient(base_url=print_api, timeout=30) as http:
        ours = await http.post(
            LETTERS, json={**letter_body(), "postage": "economy"}, headers=tenant.headers()
        )
        sent = await http.post(LETTERS, json=precompiled(theirs, postage="first"),
                               headers=tenant.headers())  # fmt: skip
        assert sent.status_code == 201, sent.text
        assert sent.json() == {
            "id": sent.json()["id"],
            "reference": "dossier-77",
            "postage": "first",
        }
        letter_id = sent.json()["id"]
        await _wait_for_print(sessions, [ours.json()["id"], letter_id])
        found = await status_of(http, tenant, letter_id)
        assert (found["line_1"], found["line_3"], found["postcode"]) == (*ADDRESS[::2], "9000")
        assert found["postage"] == "first"  # as asked, not Notify's default
        assert (await status_of(http, tenant, ours.json()["id"]))["postage"] == "economy"
        as_sent = await http.get(f"/v2/notifications/{letter_id}/pdf", headers=tenant.headers())
        assert as_sent.content == theirs

        made = await print_batches.collate(
            sessions, print_settings, now=datetime.now(UTC) + timedelta(days=1)
        )
        assert len(made) == 1
        [batch] = (await http.get("/v2/print-batches", headers=tenant.headers())).json()[
            "print_batches"
        ]
        assert (batch["letter_count"], batch["page_count"]) == (2, 2)
        pdf = await http.get(f"/v2/print-batches/{batch['id']}/pdf", headers=tenant.headers())
        manifest = await http.get(
            f"/v2/print-batches/{batch['id']}/manifest", headers=tenant.headers()
        )
    with pdfplumber.open(io.BytesIO(pdf.content)) as document:
        pages = [page.extract_text() for page in document.pages]
    assert "Sara Janssens" in pages[0] and "Uw afbetalingsplan" in pages[1]  # in the order sent
    rows = {r["notification_id"]: r for r in csv.DictReader(io.StringIO(manifest.text))}
    assert rows[letter_id]["postcode"] == "9000" and rows[letter_id]["reference"] == "dossier-77"
    # The print room knows which stamp each letter needs.
    assert [r["postage"] for r in rows.values()] == ["economy", "first"]


@pytest.mark.usefixtures("worker")
async def test_without_a_print_room_the_pdf_itself_lands_in_the_outbox(
    api: str, tenant: Tenant, settings: Settings
) -> None:
    theirs = made_elsewhere()
    async with httpx.AsyncClient(base_url=api, timeout=30) as http:
        sent = await http.post(LETTERS, json=precompiled(theirs), headers=tenant.headers())
        done = await wait_for_status(http, tenant, sent.json()["id"])
    assert done["status"] == "received"  # Notify's word for a posted letter
    path = outbox_path(settings.outbox_dir, "letter", sent.json()["id"])
    assert await asyncio.to_thread(path.read_bytes) == theirs


@pytest.mark.parametrize(
    ("pdf", "reason"),
    [
        (lambda: made_elsewhere(page="A5"), "not-a4"),
        (lambda: made_elsewhere(pages=11), "letter-too-long: 11 pages, at most 10"),
        (lambda: made_elsewhere(mark_near_window=True), "content-outside-printable-area"),
        (lambda: made_elsewhere(address=()), "address-not-found"),
        (lambda: made_elsewhere(address=("A. Smith", "1 High Street", "SW1 1AA")),
         "address-not-readable"),
    ],
)  # fmt: skip
async def test_a_letter_that_cannot_be_printed_as_it_is_fails_validation(
    api: str, tenant: Tenant, sessions: Sessions, pdf: Any, reason: str
) -> None:
    async with httpx.AsyncClient(base_url=api, timeout=30) as http:
        sent = await http.post(LETTERS, json=precompiled(pdf()), headers=tenant.headers())
        assert sent.status_code == 201, sent.text  # as in Notify: accepted, then checked
        found = await status_of(http, tenant, sent.json()["id"])
        failed = await http.get(
            "/v2/notifications", params={"status": "failed"}, headers=tenant.headers()
        )
    assert found["status"] == "validation-failed"
    assert reason in (found.get("failure_reason") or found.get("status_reason") or str(found)), (
        found
    )
    assert [n["id"] for n in failed.json()["notifications"]] == [sent.json()["id"]]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"reference": "x", "content": "niet base64!"}, "Cannot decode letter content"),
        ({"reference": "x", "content": base64.b64encode(b"%PDF nonsense").decode()},
         "Letter content is not a valid PDF"),
        ({"reference": "x", "content": base64.b64encode(b"plain text").decode()},
         "Letter content is not a valid PDF"),
        ({"content": base64.b64encode(b"%PDF").decode()}, "reference"),
    ],
)  # fmt: skip
async def test_what_is_not_a_pdf_is_a_400(
    api: str, tenant: Tenant, body: dict[str, str], message: str
) -> None:
    async with httpx.AsyncClient(base_url=api) as http:
        refused = await http.post(LETTERS, json=body, headers=tenant.headers())
        listed = await http.get("/v2/notifications", headers=tenant.headers())
    assert refused.status_code == 400
    assert any(message in said for said in errors(refused)), refused.text
    assert listed.json()["notifications"] == []  # nothing half-written


async def test_the_pdf_goes_when_the_retention_period_ends(
    api: str, tenant: Tenant, sessions: Sessions
) -> None:
    async with httpx.AsyncClient(base_url=api, timeout=30) as http:
        sent = await http.post(LETTERS, json=precompiled(made_elsewhere(page="A5")),
                               headers=tenant.headers())  # fmt: skip
    letter_id = sent.json()["id"]  # failed at once: it has ended
    async with sessions() as session:
        kept = await purge_bodies(session, now=datetime.now(UTC) + timedelta(days=89))
        assert kept == 0 and await session.get(LetterFile, letter_id) is not None
        purged = await purge_bodies(session, now=datetime.now(UTC) + timedelta(days=91))
        await session.commit()
    async with sessions() as session:
        assert purged == 1 and await session.get(LetterFile, letter_id) is None
        message = await session.get(Message, letter_id)
        assert message is not None and message.address_lines == []
        assert message.status == "validation-failed"  # what happened stays
