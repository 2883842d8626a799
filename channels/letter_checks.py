"""Letters made elsewhere (a case system's own PDF, Notify's "precompiled letters"), checked
before they go into a print batch: A4 pages, not too many, a clear band around the envelope's
window, and the address read from the window for the manifest.

Read with PDFium (pypdfium2): the text in the window, and the band drawn as pixels, so an
image or a line in it is found as surely as a word.

And the address lines Messenger prints itself: each must fit the window's width on one line,
or "bus 45" ends up alone on the next line, or outside the window. Measured with the advance
widths of the font WeasyPrint prints it in (no kerning: a hair wider than printed, never less).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium

from channels.letter_pdf import ADDRESS_PT, DIN_5008_B, WINDOW_PADDING_MM, WindowField

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


# Where Debian's fonts-dejavu-core (the Dockerfile) and other systems put the letters' font.
_FONT_FILE = "DejaVuSans.ttf"
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "~/.fonts")


@dataclass(frozen=True)
class TooWide:
    """An address line that does not fit the window on one line."""

    position: int  # 1 for the first line
    line: str
    width_mm: float
    most_mm: float

    def english(self) -> str:
        return (
            f"is too wide for the envelope window ({self.width_mm:.0f} mm, at most "
            f"{self.most_mm:.0f} mm): shorten it, e.g. 'str.' for 'straat'"
        )

    def dutch(self) -> str:
        return (
            f"adresregel {self.position} is te lang voor het venster van de envelop "
            f"({self.width_mm:.0f} mm, max. {self.most_mm:.0f} mm): {self.line}"
        )


def address_room_mm(window: WindowField = DIN_5008_B) -> float:
    """The width an address line has in the window (letter_pdf.py's padding on both sides)."""
    return window.width - 2 * WINDOW_PADDING_MM


def too_wide_line(lines: Sequence[str], window: WindowField = DIN_5008_B) -> TooWide | None:
    """The first address line wider than the window holds, or None when all fit."""
    most = address_room_mm(window)
    for position, line in enumerate(lines, start=1):
        width = line_width_mm(line)
        if width > most:
            return TooWide(position, line, round(width, 1), most)
    return None


@lru_cache(maxsize=4096)
def line_width_mm(line: str, size_pt: float = ADDRESS_PT) -> float:
    """How wide the line prints in the address font, in mm."""
    advances, units_per_em = _metrics()
    units = sum(advances.get(ord(character), advances[-1]) for character in line)
    return units / units_per_em * size_pt * 25.4 / 72


@lru_cache(maxsize=1)
def _metrics() -> tuple[dict[int, int], int]:
    """Advance width per code point (-1: the width of a missing glyph) and units per em."""
    from fontTools.ttLib import TTFont  # a WeasyPrint dependency; loaded once, when needed

    font = TTFont(_font_path(), lazy=True)
    try:
        widths = font["hmtx"].metrics
        advances = {code: widths[glyph][0] for code, glyph in font.getBestCmap().items()}
        advances[-1] = widths[".notdef"][0]
        return advances, int(font["head"].unitsPerEm)
    finally:
        font.close()


def _font_path() -> Path:
    """The DejaVu Sans file fontconfig gives WeasyPrint, or the first one found on disk."""
    fc_match = shutil.which("fc-match")
    if fc_match:
        found = subprocess.run(  # noqa: S603 - a fixed command, no user input
            [fc_match, "--format=%{file}", "DejaVu Sans"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
        if found.returncode == 0 and Path(found.stdout).name == _FONT_FILE:
            return Path(found.stdout)
    for folder in _FONT_DIRS:
        for path in Path(folder).expanduser().rglob(_FONT_FILE):
            return path
    raise FileNotFoundError(f"{_FONT_FILE} not found: install fonts-dejavu-core")
