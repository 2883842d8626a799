"""The sandbox channel: the outbox files for SMS, email and letters, read back for real."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pdfplumber
import pytest

from channels.base import Kind, OutgoingMessage, SendResult
from channels.letter_pdf import DIN_5008_B, WindowField, render_letters
from channels.sandbox import SandboxChannel, outbox_path

MM = 72 / 25.4
DOMAIN = "berichten.ocmw.example"
SENDER = ("OCMW Zwijnaarde", "Sociale dienst", "Dorpsstraat 5")


def make_message(kind: Kind, **overrides: object) -> OutgoingMessage:
    values: dict[str, object] = {"message_id": str(uuid.uuid4()), "kind": kind}
    if kind == "sms":
        values |= {"to": "+32470123456", "sender": "OCMW", "body": "Dag Sara, tot dinsdag."}
    elif kind == "email":
        values |= {
            "to": "sara@example.org",
            "sender": "OCMW <noreply@ocmw.example>",
            "subject": "Uitnodiging LAC",
            "body": "Dag Sara,\n\nWelkom op dinsdag.",
            "html": "<p>Dag Sara,</p><p>Welkom op dinsdag.</p>",
            "language": "fr",
        }
    else:
        values |= {
            "subject": "Uitnodiging",
            "body": "Dag Sara,\nWelkom op dinsdag.",
            "address_lines": ("Sara Janssens", "Kerkstraat 12 bus 3", "9000 Gent"),
            "sender_lines": SENDER,
            "written_on": "8 december 2026",
        }
    values |= overrides
    return OutgoingMessage(**values)  # type: ignore[arg-type]


def channel(kind: Kind, outbox: Path) -> SandboxChannel:
    return SandboxChannel(kind, outbox, message_id_domain=DOMAIN)


def files(outbox: Path) -> list[Path]:
    return sorted(p for p in outbox.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("kind", "folder", "suffix", "status"),
    [
        ("sms", "sms", ".json", "delivered"),
        ("email", "email", ".eml", "delivered"),
        ("letter", "letters", ".pdf", "sent"),
    ],
)
async def test_send_is_idempotent_and_lookup_finds_it(
    tmp_path: Path, kind: Kind, folder: str, suffix: str, status: str
) -> None:
    sandbox = channel(kind, tmp_path)
    message = make_message(kind)
    path = outbox_path(tmp_path, kind, message.message_id)
    assert path == tmp_path / folder / f"{message.message_id}{suffix}"
    now = datetime.now(UTC)
    assert await sandbox.lookup(message, now) is None

    first = await sandbox.send(message)
    assert path.is_file() and path.stat().st_size > 0
    written = path.read_bytes()
    second = await sandbox.send(message)

    assert first == second
    assert first == SendResult(
        provider_reference=f"sandbox-{message.message_id}",
        status=status,  # type: ignore[arg-type]
        detail=f"outbox {folder}/{path.name}",
    )
    assert path.read_bytes() == written
    assert files(tmp_path) == [path]
    assert await sandbox.lookup(message, now) == first
    assert await sandbox.lookup(replace(message, message_id=str(uuid.uuid4())), now) is None


@pytest.mark.parametrize("kind", ["sms", "email", "letter"])
async def test_concurrent_sends_leave_one_whole_file(tmp_path: Path, kind: Kind) -> None:
    sandbox = channel(kind, tmp_path)
    message = make_message(kind)
    results = await asyncio.gather(sandbox.send(message), sandbox.send(message))
    assert results[0] == results[1]
    path = outbox_path(tmp_path, kind, message.message_id)
    assert files(tmp_path) == [path]
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


async def test_sms_file_is_json(tmp_path: Path) -> None:
    message = make_message("sms", body="Dag Zoë, tot dinsdag om 10 uur.")
    await channel("sms", tmp_path).send(message)
    record = json.loads(outbox_path(tmp_path, "sms", message.message_id).read_text("utf-8"))
    assert record == {
        "id": message.message_id,
        "to": "+32470123456",
        "from": "OCMW",
        "body": "Dag Zoë, tot dinsdag om 10 uur.",
    }


async def test_email_file_is_multipart_alternative(tmp_path: Path) -> None:
    message = make_message("email")
    await channel("email", tmp_path).send(message)
    raw = outbox_path(tmp_path, "email", message.message_id).read_bytes()
    email = BytesParser(policy=policy.default).parsebytes(raw)

    assert email.get_content_type() == "multipart/alternative"
    assert email["Message-ID"] == f"<{message.message_id}@{DOMAIN}>"
    assert email["To"] == "sara@example.org"
    assert email["From"] == "OCMW <noreply@ocmw.example>"
    assert email["Subject"] == "Uitnodiging LAC"
    assert email["Date"]
    parts = [part.get_content_type() for part in email.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = email.get_body(("plain",))
    html = email.get_body(("html",))
    assert text is not None and html is not None
    assert "Welkom op dinsdag." in text.get_content()
    page = html.get_content()
    assert '<html lang="fr">' in page
    assert "<p>Welkom op dinsdag.</p>" in page


async def test_plain_email_without_html_is_one_text_part(tmp_path: Path) -> None:
    message = make_message("email", html=None)
    await channel("email", tmp_path).send(message)
    raw = outbox_path(tmp_path, "email", message.message_id).read_bytes()
    email = BytesParser(policy=policy.default).parsebytes(raw)
    assert email.get_content_type() == "text/plain"
    assert email["Message-ID"] == f"<{message.message_id}@{DOMAIN}>"
    assert "Welkom op dinsdag." in email.get_content()


@pytest.mark.parametrize("html", ["<p>Bonjour</p>", None], ids=["multipart", "text-only"])
async def test_email_carries_content_language(tmp_path: Path, html: str | None) -> None:
    # Regression: set_content() clears Content-* headers set before it.
    message = make_message("email", html=html)
    await channel("email", tmp_path).send(message)
    raw = outbox_path(tmp_path, "email", message.message_id).read_bytes()
    email = BytesParser(policy=policy.default).parsebytes(raw)
    assert email["Content-Language"] == "fr"


def _words(pdf: bytes, page: int = 0) -> list[dict[str, float | str]]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return document.pages[page].extract_words()


def _inside_window(word: dict[str, float | str]) -> bool:
    w = DIN_5008_B
    x0, x1, top, bottom = (float(word[k]) for k in ("x0", "x1", "top", "bottom"))
    return (
        x0 >= w.left * MM
        and x1 <= (w.left + w.width) * MM
        and top >= w.top * MM
        and bottom <= (w.top + w.height) * MM
    )


def _tokens(lines: tuple[str, ...]) -> set[str]:
    return {token for line in lines for token in line.split()}


async def test_letter_is_one_a4_page_with_the_address_in_the_window(tmp_path: Path) -> None:
    message = make_message("letter")
    await channel("letter", tmp_path).send(message)
    pdf = outbox_path(tmp_path, "letter", message.message_id).read_bytes()
    assert pdf.startswith(b"%PDF-")

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 1
        page = document.pages[0]
        assert page.width == pytest.approx(595, abs=1)
        assert page.height == pytest.approx(842, abs=1)
        words = page.extract_words()

    address = [w for w in words if w["text"] in _tokens(message.address_lines)]
    assert {w["text"] for w in address} == _tokens(message.address_lines)
    outside = [w["text"] for w in address if not _inside_window(w)]
    assert outside == [], "address words outside the DIN 5008 B window"

    sender = [w for w in words if w["text"] in _tokens(SENDER)]
    assert {w["text"] for w in sender} == _tokens(SENDER)
    inside = [w["text"] for w in sender if _inside_window(w)]
    assert inside == [], "return address inside the window"


async def test_long_address_stays_in_the_window(tmp_path: Path) -> None:
    lines = (
        "Mevrouw Alexandra Vandenbroucke-Van Der Straeten",
        "p/a Dienst Schuldbemiddeling",
        "Sint-Pietersnieuwstraat 125 bus 201",
        "Residentie De Vijvers",
        "9000 Gent",
    )
    pdf = render_letters([make_message("letter", address_lines=lines)])
    words = [w for w in _words(pdf) if w["text"] in _tokens(lines)]
    assert {w["text"] for w in words} == _tokens(lines)
    assert all(_inside_window(w) for w in words)


def test_window_check_notices_a_misplaced_address() -> None:
    message = make_message("letter")
    pdf = render_letters([message], window=WindowField(top=120))
    words = [w for w in _words(pdf) if w["text"] in _tokens(message.address_lines)]
    assert words and not any(_inside_window(w) for w in words)


def test_batch_puts_each_letter_on_its_own_page() -> None:
    towns = ("9000 Gent", "2000 Antwerpen", "3000 Leuven")
    messages = [
        make_message("letter", address_lines=(f"Persoon{n}", f"Straat{n} {n}", town))
        for n, town in enumerate(towns, start=1)
    ]
    pdf = render_letters(messages)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 3
        texts = [page.extract_text() for page in document.pages]
    for n, (text, town) in enumerate(zip(texts, towns, strict=True), start=1):
        assert f"Persoon{n}" in text and town in text
        others = [f"Persoon{m}" for m in range(1, 4) if m != n]
        assert not any(other in text for other in others)


def test_markup_in_the_letter_is_printed_as_text() -> None:
    message = make_message(
        "letter",
        body="Let op: <script>alert(1)</script> & <b>vet</b>",
        address_lines=("Sara <i>Janssens</i>", "9000 Gent"),
        subject="Uw <u>afspraak</u>",
    )
    with pdfplumber.open(io.BytesIO(render_letters([message]))) as document:
        text = " ".join(document.pages[0].extract_text().split())
    assert "<script>alert(1)</script>" in text
    assert "& <b>vet</b>" in text
    assert "Sara <i>Janssens</i>" in text
    assert "Uw <u>afspraak</u>" in text
