"""A letter may have at most `MAX_PAGES` pages, as in Notify: a longer one is refused when it
is sent (a 400), not found out in the print room.

Counting means rendering the letter (WeasyPrint, a tenth of a second or more), so a letter
that cannot reach the limit is let through without it: every line of the body takes at most
one printed line per `NARROWEST_LINE` characters, plus one for the space after it, and a
letter whose lines fit in `SURE_LINES` cannot fill the pages. Only longer ones are rendered.
"""

from __future__ import annotations

import asyncio
import math

from channels.letter_checks import MAX_PAGES
from messenger.wording.template_check import count_pages

# The fewest characters a printed line of body text holds (wide letters, 12 pt on A4), and the
# printed lines that fit on the pages for certain (the first page loses the address block).
NARROWEST_LINE = 40
SURE_LINES = 20 + (MAX_PAGES - 1) * 30


class LetterTooLong(ValueError):
    def __init__(self, pages: int) -> None:
        super().__init__(
            f"Letters cannot be longer than {MAX_PAGES} pages. Your letter is {pages} pages long."
        )
        self.pages = pages


def most_printed_lines(body: str) -> int:
    """An upper bound on the printed lines the body takes."""
    return sum(math.ceil(len(line) / NARROWEST_LINE) + 1 for line in body.splitlines())


async def check_pages(subject: str | None, body: str) -> None:
    """Raise LetterTooLong when the letter, as printed, is over MAX_PAGES pages."""
    if most_printed_lines(body) <= SURE_LINES:
        return
    pages = await asyncio.to_thread(count_pages, "letter", subject, body)
    if pages > MAX_PAGES:
        raise LetterTooLong(pages)
