"""Cards for the letterbox: A6, printed by the social worker before a home visit.

A card has no address window: it goes into the letterbox by hand. Large, calm type, the
heading first, nothing that tells a neighbour why the OCMW came by.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from channels.base import OutgoingMessage
from channels.letter_pdf import FONT_FAMILY, RenderedBatch, inset_css, render_pieces

# Larger than a letter's body: a card is read standing at the door, often without glasses.
BODY_PT, HEADING_PT = 13, 15
CSS = f"""
@page {{ size: A6; margin: 10mm; }}
body {{ font-family: {FONT_FAMILY}; font-size: {BODY_PT}pt; line-height: 1.35;
       margin: 0; color: #000; }}
.letter {{ page-break-before: always; }}
.letter:first-child {{ page-break-before: auto; }}
h1 {{ font-size: {HEADING_PT}pt; line-height: 1.2; margin: 0 0 3.5mm 0; }}
p {{ margin: 0 0 2.5mm 0; }}
ul {{ margin: 0 0 2.5mm 0; padding-left: 5mm; }}
{inset_css(margin_mm=2.5, padding_mm=(2, 3))}
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
