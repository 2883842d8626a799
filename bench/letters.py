"""Letters per second: one PDF a letter versus one PDF for a batch.

    .venv/bin/python -m bench.letters [COUNT]

Prints both rates. The print batch (issue 3) relies on the batched rate; a drop well below
the figures measured when this was written (about 7/s alone, 57/s batched on 2 cores) is a
regression.
"""

from __future__ import annotations

import sys
import time

from channels.base import OutgoingMessage
from channels.letter_pdf import render_letters
from messenger.wording.formatting import text_to_html

BODY = """Beste Sara Janssens,

Uw waterfactuur is nog niet betaald. Dat kan iedereen overkomen.

De LAC kan samen met u beslissen over:
- een afbetalingsplan;
- een toestel dat minder water doorlaat.

Met vriendelijke groeten,
Jan Peeters"""


def letter(n: int) -> OutgoingMessage:
    return OutgoingMessage(
        message_id=f"bench-{n}",
        kind="letter",
        body=BODY,
        html=text_to_html(BODY),
        subject="Uitnodiging",
        address_lines=("Sara Janssens", f"Kerkstraat {n} bus 3", "9000 Gent"),
        sender_lines=("OCMW Gent", "Sociale dienst"),
        written_on="25 november 2026",
    )


def main(count: int) -> None:
    letters = [letter(n) for n in range(count)]
    render_letters(letters[:1])  # warm up fonts
    started = time.perf_counter()
    for one in letters:
        render_letters([one])
    alone = count / (time.perf_counter() - started)
    started = time.perf_counter()
    render_letters(letters)
    batched = count / (time.perf_counter() - started)
    print(f"{count} letters: {alone:.1f}/s one PDF each, {batched:.1f}/s as one batch PDF")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
