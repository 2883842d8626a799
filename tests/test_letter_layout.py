"""Letter layout options: the envelope profile moves the address; a logo only when chosen."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pdfplumber
import pytest

from channels.letter_pdf import DIN_5008_A, DIN_5008_B, WindowField, render_letters
from tests.test_sandbox_channel import MM, make_message


def _png(path: Path) -> Path:
    """A 40 × 20 px grey PNG, written by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * 40 for _ in range(20))
    header = struct.pack(">IIBBBBB", 40, 20, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


def _inside(box: dict[str, float], window: WindowField) -> bool:
    return (
        box["x0"] >= window.left * MM
        and box["x1"] <= (window.left + window.width) * MM
        and box["top"] >= window.top * MM
        and box["bottom"] <= (window.top + window.height) * MM
    )


@pytest.mark.parametrize("window", [DIN_5008_A, DIN_5008_B])
def test_the_address_sits_in_the_chosen_window(window: WindowField) -> None:
    message = make_message("letter")
    pdf = render_letters([message], window=window)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        words = document.pages[0].extract_words()
    address = {t for line in message.address_lines for t in line.split()}
    found = [w for w in words if w["text"] in address]
    assert {w["text"] for w in found} == address
    assert all(_inside(w, window) for w in found)
    sender = [w for w in words if w["text"] == "Zwijnaarde"]
    assert sender and not any(_inside(w, window) for w in sender)


def test_no_logo_unless_given(tmp_path: Path) -> None:
    plain = render_letters([make_message("letter")])
    with pdfplumber.open(io.BytesIO(plain)) as document:
        assert document.pages[0].images == []
    logo = _png(tmp_path / "logo.png")
    with_logo = render_letters([make_message("letter", logo_path=str(logo))])
    with pdfplumber.open(io.BytesIO(with_logo)) as document:
        [image] = document.pages[0].images
        words = document.pages[0].extract_words()
    assert not _inside(image, DIN_5008_B)
    assert image["bottom"] <= 45 * MM  # above the window, in the top margin area
    sender = [w for w in words if w["text"] == "Zwijnaarde"]
    assert sender and all(w["top"] >= image["bottom"] for w in sender)


@pytest.mark.parametrize(
    ("chosen", "configured", "expected"),
    [(False, True, False), (True, False, False), (True, True, True)],
)
def test_the_organisation_chooses_the_logo(
    tmp_path: Path, chosen: bool, configured: bool, expected: bool
) -> None:
    from messenger.messages.outbound import outgoing
    from messenger.platform.models import Message, Organisation, utcnow
    from messenger.platform.settings import Settings

    settings = Settings(
        var_dir=tmp_path, letter_logo_path=_png(tmp_path / "logo.png") if configured else None
    )
    organisation = Organisation(
        name="OCMW Gent", letter_logo=chosen, letter_sender="OCMW Gent|Zuid"
    )
    message = Message(
        id="m1",
        kind="letter",
        body="Dag",
        language="nl",
        recipient="",
        created_at=utcnow(),
        address_lines=["Sara", "Kerkstraat 1", "9000 Gent"],
    )
    letter = outgoing(message, settings, organisation)
    assert (letter.logo_path is not None) == expected
    assert letter.sender_lines == ("OCMW Gent", "Zuid")
