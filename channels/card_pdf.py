"""Cards for the letterbox: A6, printed by the social worker before a home visit.

A card has no address window: it goes into the letterbox by hand. Large, calm type, the
heading first, nothing that tells a neighbour why the OCMW came by.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from channels.base import OutgoingMessage
from channels.letter_pdf import RenderedBatch, render_pieces

CSS = """
@page { size: A6; margin: 10mm 10mm 10mm 10mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; line-height: 1.4;
       margin: 0; color: #000; }
.letter { page-break-before: always; }
.letter:first-child { page-break-before: auto; }
h1 { font-size: 13pt; margin: 0 0 4mm 0; }
p { margin: 0 0 2.5mm 0; }
ul { margin: 0 0 2.5mm 0; padding-left: 5mm; }
"""


def render_cards(messages: Sequence[OutgoingMessage]) -> RenderedBatch:
    """One PDF, a card (or more pages, which the linter refuses) per message."""
    if not messages:
        raise ValueError("no cards to render")
    pieces = "\n".join(
        f'<section class="letter" id="letter-{n}" lang="{escape(m.language)}">'
        f"<h1>{escape(m.subject or '')}</h1>"
        f"{m.html if m.html is not None else escape(m.body)}</section>"
        for n, m in enumerate(messages)
    )
    return render_pieces(CSS, pieces)
