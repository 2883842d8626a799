"""A long batch of letters is laid out in chunks, in renderer processes side by side, and put
together as one PDF: the same letters, in the same order, on the same pages as one document;
a renderer that is gone or fails leaves the work to the caller (channels/letter_renderers.py)."""

from __future__ import annotations

import io
import uuid
from dataclasses import replace

import pdfplumber
import pytest

from channels import letter_pdf
from channels.base import OutgoingMessage
from channels.letter_pdf import RenderedBatch, render_batch
from channels.letter_renderers import PARALLEL_FROM, Renderers, renderers_for

STREETS = ["Kerkstraat 1", "Veldstraat 2", "Markt 3", "Dijver 4", "Korenlei 5"]


def letter(street: str, *, long: bool = False) -> OutgoingMessage:
    body = "Dag Sara,\nWelkom op dinsdag." + ("\n\nNog een alinea." * 60 if long else "")
    return OutgoingMessage(
        message_id=str(uuid.uuid4()),
        kind="letter",
        subject="Uitnodiging",
        body=body,
        address_lines=("Sara Janssens", street, "9000 Gent"),
        sender_lines=("OCMW Gent", "Sociale dienst"),
        written_on="8 december 2026",
    )


def streets_on_pages(batch: RenderedBatch) -> list[str]:
    with pdfplumber.open(io.BytesIO(batch.pdf)) as document:
        texts = [page.extract_text() or "" for page in document.pages]
    return [next((s for s in STREETS if s in text), "-") for text in texts]


@pytest.fixture
def letters() -> list[OutgoingMessage]:
    # The third runs over two pages: a letter's pages stay together, counted right.
    return [letter(street, long=n == 2) for n, street in enumerate(STREETS)]


def test_chunks_and_renderers_give_the_letters_of_one_document(
    letters: list[OutgoingMessage], monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = render_batch(letters)
    monkeypatch.setattr(letter_pdf, "CHUNK", 2)
    chunked = render_batch(letters)
    with Renderers(2) as renderers:
        side_by_side = render_batch(letters, renderers=renderers)
    assert whole.pages == chunked.pages == side_by_side.pages
    long = whole.pages[2]
    assert long > 1 and sum(whole.pages) == 4 + long
    expected = streets_on_pages(whole)
    assert expected == [
        "Kerkstraat 1",
        "Veldstraat 2",
        "Markt 3",
        *["-"] * (long - 1),
        *STREETS[3:],
    ]
    assert streets_on_pages(chunked) == streets_on_pages(side_by_side) == expected


def test_a_renderer_that_is_gone_leaves_its_chunks_to_the_caller(
    letters: list[OutgoingMessage], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(letter_pdf, "CHUNK", 1)
    renderers = Renderers(3)  # the caller and two processes
    try:
        first = render_batch(letters, renderers=renderers)
        assert len(renderers._processes) == 2
        renderers._processes[0].kill()
        renderers._processes[0].wait()
        again = render_batch(letters, renderers=renderers)
        assert len(renderers._processes) == 1
    finally:
        renderers.close()
    assert first.pages == again.pages
    assert streets_on_pages(again) == streets_on_pages(first)
    assert streets_on_pages(again)[:3] == ["Kerkstraat 1", "Veldstraat 2", "Markt 3"]
    assert renderers._processes == []


def test_a_letter_that_cannot_be_laid_out_fails_as_without_renderers(
    letters: list[OutgoingMessage], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(letter_pdf, "CHUNK", 2)
    broken = [*letters[:3], replace(letters[3], pdf=b"no PDF")]
    with pytest.raises(Exception) as alone:
        render_batch(broken)
    with Renderers(2) as renderers, pytest.raises(Exception) as side_by_side:
        render_batch(broken, renderers=renderers)
    assert type(side_by_side.value) is type(alone.value)


def test_renderers_only_for_a_long_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("channels.letter_renderers.cpus", lambda: 2)
    assert renderers_for(PARALLEL_FROM - 1) is None
    found = renderers_for(PARALLEL_FROM)
    assert found is not None and found.workers == 2
    monkeypatch.setattr("channels.letter_renderers.cpus", lambda: 1)
    assert renderers_for(10 * PARALLEL_FROM) is None
