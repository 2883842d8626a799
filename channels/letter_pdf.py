"""Letters as print-ready PDFs (WeasyPrint): A4, the address in a window-envelope field.

The window is DIN 5008 form B by default: 45 mm from the top, 20 mm from the left,
85 × 45 mm. The return address stays outside the window (bpost reads only the window).
A batch of letters is laid out CHUNK letters to a WeasyPrint document: fonts and styles are
loaded once a document, which is about eight times faster than one document a letter. The
chunks are the pieces that renderer processes lay out side by side (letter_renderers.py),
put together as one PDF.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from channels.base import OutgoingMessage

if TYPE_CHECKING:
    from channels.letter_renderers import Renderers

PAGE_MARGIN_MM = {"top": 20, "right": 20, "bottom": 20, "left": 25}


@dataclass(frozen=True)
class WindowField:
    """Where the envelope's window is, measured from the page's top-left corner, in mm."""

    top: float = 45
    left: float = 20
    width: float = 85
    height: float = 45


DIN_5008_B = WindowField()
DIN_5008_A = WindowField(top=27)
ENVELOPES = {"din5008-b": DIN_5008_B, "din5008-a": DIN_5008_A}
LOGO_HEIGHT_MM = 18
FONT_FAMILY = '"DejaVu Sans", Arial, sans-serif'
# Body 12 pt, the heading a step larger: readable without glasses for most readers.
BODY_PT, HEADING_PT = 12, 14
# The address in the window: its lines are measured against this (letter_checks.py).
ADDRESS_PT = 10
WINDOW_PADDING_MM = 5
INSET_BORDER, INSET_BACKGROUND = "#505A5F", "#F3F2F1"
# Letters a WeasyPrint document when a batch is split: small enough that two or more
# renderers share a 500-letter batch evenly, large enough that loading the fonts and styles
# again stays a small part (about 22 letters a second a processor either way; each chunk
# embeds its own font subsets, about 13 kB).
CHUNK = 25


def inset_css(*, margin_mm: float, padding_mm: tuple[float, float]) -> str:
    """Inset text ("^", formatting.py) on paper: a framed, tinted box for when, where and the phone
    number. The email's inline left border is overridden. Black on #F3F2F1 is 18:1 (WCAG AA
    asks 4.5:1); the #505A5F frame is 7:1 on white. A box is not split over two pages."""
    vertical, horizontal = padding_mm
    return f"""
blockquote {{ margin: {margin_mm}mm 0 !important;
             padding: {vertical}mm {horizontal}mm !important;
             border: 0.6mm solid {INSET_BORDER} !important;
             background: {INSET_BACKGROUND} !important; page-break-inside: avoid; }}
blockquote p:last-child, blockquote ul:last-child {{ margin-bottom: 0; }}
"""


INSET_CSS = inset_css(margin_mm=4, padding_mm=(3, 4))


def _css(window: WindowField) -> str:
    m = PAGE_MARGIN_MM
    # The header box starts at the top-left of the content area; convert page to box coords.
    top, left = window.top - m["top"], window.left - m["left"]
    return f"""
@page {{ size: A4; margin: {m["top"]}mm {m["right"]}mm {m["bottom"]}mm {m["left"]}mm; }}
body {{ font-family: {FONT_FAMILY}; font-size: {BODY_PT}pt; line-height: 1.45;
        margin: 0; color: #000; }}
.letter {{ page-break-before: always; }}
.letter:first-child {{ page-break-before: auto; }}
.head {{ position: relative; height: {window.top + window.height + 15 - m["top"]}mm; }}
.window {{ position: absolute; top: {top}mm; left: {left}mm; width: {window.width}mm;
           height: {window.height}mm; box-sizing: border-box;
           padding: {WINDOW_PADDING_MM}mm {WINDOW_PADDING_MM}mm 0 {WINDOW_PADDING_MM}mm;
           overflow: hidden; font-size: {ADDRESS_PT}pt; line-height: 1.3; }}
.sender {{ position: absolute; top: {top}mm; left: {left + window.width + 15}mm;
           font-size: 8.5pt; line-height: 1.3; color: #333; }}
.with-logo .sender {{ top: {max(top, LOGO_HEIGHT_MM + 4)}mm; }}
.logo {{ position: absolute; top: 0; right: 0; max-height: {LOGO_HEIGHT_MM}mm; max-width: 50mm; }}
.date {{ position: absolute; top: {top + window.height + 5}mm; right: 0; }}
h1 {{ font-size: {HEADING_PT}pt; font-weight: bold; margin: 0 0 5mm 0; }}
p {{ margin: 0 0 3mm 0; }}
ul {{ margin: 0 0 3mm 0; padding-left: 6mm; }}
{INSET_CSS}
"""


def _lines(lines: Sequence[str]) -> str:
    return "<br>".join(escape(line) for line in lines)


def _letter_html(message: OutgoingMessage, index: int) -> str:
    logo = ""
    if message.logo_path:
        # Outside the window and off by default: envelopes without an OCMW logo get opened.
        logo = (
            f'<img class="logo" src="{escape(Path(message.logo_path).resolve().as_uri())}" alt="">'
        )
    body = message.html
    if body is None:
        body = f"<p>{_lines(message.body.splitlines())}</p>"
    return f"""<section class="letter" id="letter-{index}" lang="{escape(message.language)}">
<div class="head{" with-logo" if message.logo_path else ""}">{logo}
  <div class="sender">{_lines(message.sender_lines)}</div>
  <div class="window">{_lines(message.address_lines)}</div>
  <div class="date">{escape(message.written_on)}</div>
</div>
<h1>{escape(message.subject or "")}</h1>
{body}
</section>"""


@dataclass(frozen=True)
class RenderedBatch:
    pdf: bytes
    # Pages of each letter, in the order given: the print manifest and one-page checks.
    pages: tuple[int, ...]


def render_batch(
    messages: Sequence[OutgoingMessage],
    *,
    window: WindowField = DIN_5008_B,
    renderers: Renderers | None = None,
) -> RenderedBatch:
    """One PDF holding every letter, each starting on a new page. A letter made elsewhere
    (its own PDF) goes in as it is, in its place. `renderers` (letter_renderers.py): lay out
    the chunks of a long batch side by side in other processes."""
    if not messages:
        raise ValueError("no letters to render")
    chunks = [messages[start : start + CHUNK] for start in range(0, len(messages), CHUNK)]
    if len(chunks) == 1:
        return render_chunk(messages, window)
    if renderers is None:
        return _join([render_chunk(chunk, window) for chunk in chunks])
    return _join(renderers.render(chunks, window))


def render_chunk(messages: Sequence[OutgoingMessage], window: WindowField) -> RenderedBatch:
    """Up to CHUNK letters as one WeasyPrint document (and the PDFs made elsewhere)."""
    written = [m for m in messages if m.pdf is None]
    rendered = None
    if written:
        letters = "\n".join(_letter_html(m, n) for n, m in enumerate(written))
        rendered = render_pieces(_css(window), letters)
        if len(written) == len(messages):
            return rendered
    return _assemble(messages, rendered)


def _assemble(messages: Sequence[OutgoingMessage], rendered: RenderedBatch | None) -> RenderedBatch:
    """The letters in order: pages of the rendered ones, and each given PDF whole."""
    import pypdfium2 as pdfium

    batch = pdfium.PdfDocument.new()
    ours = pdfium.PdfDocument(rendered.pdf) if rendered else None
    counts: list[int] = []
    made = iter(rendered.pages if rendered else ())
    first = 0
    try:
        for message in messages:
            if message.pdf is not None:
                given = pdfium.PdfDocument(message.pdf)
                counts.append(len(given))
                batch.import_pages(given)
                given.close()
            else:
                assert ours is not None
                count = next(made)
                batch.import_pages(ours, list(range(first, first + count)))
                first += count
                counts.append(count)
        out = io.BytesIO()
        batch.save(out)
    finally:
        batch.close()
        if ours is not None:
            ours.close()
    return RenderedBatch(pdf=out.getvalue(), pages=tuple(counts))


def _join(parts: Sequence[RenderedBatch]) -> RenderedBatch:
    """The parts' pages one after the other, as one PDF."""
    import pypdfium2 as pdfium

    joined = pdfium.PdfDocument.new()
    try:
        for part in parts:
            document = pdfium.PdfDocument(part.pdf)
            try:
                joined.import_pages(document)
            finally:
                document.close()
        out = io.BytesIO()
        joined.save(out)
    finally:
        joined.close()
    return RenderedBatch(pdf=out.getvalue(), pages=tuple(p for part in parts for p in part.pages))


def render_pieces(css: str, pieces: str) -> RenderedBatch:
    """Lay out HTML whose pieces are elements with id "letter-N", each on new pages."""
    source = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<style>{css}</style></head><body>{pieces}</body></html>"""
    # Imported here: loading WeasyPrint's fonts costs half a second that most commands and
    # processes (the CLI, an API that never renders a letter) should not pay.
    from weasyprint import HTML

    document = HTML(string=source).render()
    # WeasyPrint lists an element's anchor on every page it runs over: the first one counts.
    first_page: dict[str, int] = {}
    for page_number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("letter-"):
                first_page.setdefault(anchor, page_number)
    starts = sorted(first_page.values())
    ends = [*starts[1:], len(document.pages)]
    pdf: bytes = document.write_pdf()
    return RenderedBatch(
        pdf=pdf, pages=tuple(end - start for start, end in zip(starts, ends, strict=True))
    )


def render_letters(
    messages: Sequence[OutgoingMessage], *, window: WindowField = DIN_5008_B
) -> bytes:
    """The PDF alone (the sandbox outbox, one letter's download)."""
    return render_batch(messages, window=window).pdf
