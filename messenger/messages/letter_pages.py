"""How many pages a letter may have, checked when it is sent: a longer one is refused (a 400
for the API; a plan step records the reason and tries its next channel), never found out in
the print room.

- A letter through the API: at most `MAX_PAGES`, as in Notify.
- A letter Messenger sends for a case (a plan step): one page. Its template was linted to fit
  one A4 page with example values (lint.py, "one-page"); real values (a long place, a
  partner's opening hours) can push it over, and a second sheet is where nobody reads the
  date or the phone number.
- A card: one A6 card.

Counting means rendering the letter (WeasyPrint, a tenth of a second or more), so a letter
that cannot reach a limit of several pages is let through without it: every line of the body
takes at most one printed line per `NARROWEST_LINE` characters, plus one for the space after
it, and a letter whose lines fit in `sure_lines(pages)` cannot fill them. A one-page limit is
always rendered: an inset box or a long heading can fill one page with few lines.
"""

from __future__ import annotations

import asyncio
import math

from channels.letter_checks import MAX_PAGES
from messenger.wording.template_check import count_pages

# The fewest characters a printed line of body text holds (wide letters, 12 pt on A4), and the
# printed lines that fit on the pages for certain (the first page loses the address block).
NARROWEST_LINE = 40
FIRST_PAGE_LINES, NEXT_PAGE_LINES = 20, 30
SURE_LINES = FIRST_PAGE_LINES + (MAX_PAGES - 1) * NEXT_PAGE_LINES
ONE = 1


class LetterTooLong(ValueError):
    def __init__(self, pages: int, most: int = MAX_PAGES, kind: str = "letter") -> None:
        if most == MAX_PAGES and kind == "letter":
            message = (
                f"Letters cannot be longer than {MAX_PAGES} pages. "
                f"Your letter is {pages} pages long."
            )
        else:
            # Read by the social worker (a plan step's note, a task): Dutch, what to do.
            what = (
                "de brief past niet op één A4-blad"
                if kind == "letter"
                else ("de tekst past niet op één kaartje (A6)")
            )
            message = f"{what}: {pages} pagina's. Niet verstuurd; maak de tekst korter."
        super().__init__(message)
        self.pages = pages
        self.most = most


def most_pages(kind: str, *, for_a_case: bool = False) -> int:
    """The pages a letter (or card) of this kind may have."""
    if kind == "card" or for_a_case:
        return ONE
    return MAX_PAGES


def sure_lines(pages: int) -> int:
    return FIRST_PAGE_LINES + (pages - 1) * NEXT_PAGE_LINES


def most_printed_lines(body: str) -> int:
    """An upper bound on the printed lines the body takes."""
    return sum(math.ceil(len(line) / NARROWEST_LINE) + 1 for line in body.splitlines())


async def check_pages(
    subject: str | None, body: str, *, most: int = MAX_PAGES, kind: str = "letter"
) -> None:
    """Raise LetterTooLong when the letter (or card), as printed, is over `most` pages."""
    if most > ONE and most_printed_lines(body) <= sure_lines(most):
        return
    pages = await asyncio.to_thread(count_pages, kind, subject, body)
    if pages > most:
        raise LetterTooLong(pages, most, kind)
