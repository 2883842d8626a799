"""Letters made elsewhere (a case system's own PDF, Notify's "precompiled letters"), checked
before they go into a print batch: A4 pages, not too many, a clear band around the envelope's
window, and the address read from the window for the manifest.

Read with PDFium (pypdfium2): the text in the window, and the band drawn as pixels, so an
image or a line in it is found as surely as a word.
"""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium

from channels.letter_pdf import WindowField

MM = 72 / 25.4  # PDF points per millimetre
A4_MM = (210.0, 297.0)
SIZE_TOLERANCE_MM = 2.0
MAX_PAGES = 10
# Around the window, inside the page: nothing may be printed there, or a machine reading
# the address through the window may read it too.
BAND_MM = 4.0
BAND_DPI = 60
WHITE = 235  # grey level (0-255) still taken for blank paper


class NotAPdf(ValueError):
    """The bytes are not a PDF that can be opened."""


@dataclass(frozen=True)
class LetterCheck:
    pages: int
    address_lines: tuple[str, ...]
    # None: it can be printed; else why not (English, for the API's failure reason).
    problem: str | None = None


def check_letter(pdf: bytes, window: WindowField) -> LetterCheck:
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise NotAPdf("Letter content is not a valid PDF") from exc
    try:
        pages = len(document)
        if pages == 0:
            raise NotAPdf("Letter content is not a valid PDF")
        if pages > MAX_PAGES:
            return LetterCheck(pages, (), f"letter-too-long: {pages} pages, at most {MAX_PAGES}")
        for number in range(pages):
            page = document[number]
            try:
                width, height = (v / MM for v in page.get_size())
            finally:
                page.close()
            if max(abs(width - A4_MM[0]), abs(height - A4_MM[1])) > SIZE_TOLERANCE_MM:
                return LetterCheck(
                    pages, (), f"not-a4: page {number + 1} is {width:.0f} x {height:.0f} mm"
                )
        first = document[0]
        try:
            lines = _address(first, window)
            if not _band_is_blank(first, window):
                return LetterCheck(
                    pages, lines, "content-outside-printable-area: something is printed "
                    "around the address window",
                )  # fmt: skip
        finally:
            first.close()
        if not lines:
            return LetterCheck(pages, (), "address-not-found: no address in the window")
        return LetterCheck(pages, lines)
    finally:
        document.close()


def _address(page: pdfium.PdfPage, window: WindowField) -> tuple[str, ...]:
    """The text inside the window, line by line (PDF coordinates start at the bottom)."""
    height = page.get_height()
    text_page = page.get_textpage()
    try:
        text = text_page.get_text_bounded(
            left=window.left * MM,
            bottom=height - (window.top + window.height) * MM,
            right=(window.left + window.width) * MM,
            top=height - window.top * MM,
        )
    finally:
        text_page.close()
    return tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _band_is_blank(page: pdfium.PdfPage, window: WindowField) -> bool:
    """No ink in a band of BAND_MM around the window (the window itself is the address's)."""
    image = page.render(scale=BAND_DPI / 72, grayscale=True).to_pil().convert("L")
    px = BAND_DPI / 25.4  # pixels per millimetre

    def box(top: float, left: float, width: float, height: float) -> tuple[int, int, int, int]:
        return (
            max(0, round(left * px)),
            max(0, round(top * px)),
            min(image.width, round((left + width) * px)),
            min(image.height, round((top + height) * px)),
        )

    outer = box(
        window.top - BAND_MM, window.left - BAND_MM,
        window.width + 2 * BAND_MM, window.height + 2 * BAND_MM,
    )  # fmt: skip
    inner = box(window.top, window.left, window.width, window.height)
    band = image.crop(outer)
    # Paint the window itself white: only the band counts.
    band.paste(255, (inner[0] - outer[0], inner[1] - outer[1],
                     inner[2] - outer[0], inner[3] - outer[1]))  # fmt: skip
    darkest: int = band.getextrema()[0]  # type: ignore[assignment]
    return darkest >= WHITE
