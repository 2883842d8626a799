"""Words the client should not have to read: officialese, and what a lock screen must not show.

Officialese makes a letter feel like a summons; the plain word says the same thing (from
the Flemish clear-language guidance). Discretion: an SMS or an email subject can be
read by anyone who sees the phone, so it names no amounts, debts, arrears or cut-offs.
Both lists match whole words, case- and accent-insensitive; a `*` ends a prefix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# Dutch officialese -> the plain alternative.
OFFICIALESE: dict[str, str] = {
    "gelieve": "graag, of zeg het gewoon: 'Bel ons.'",
    "teneinde": "om",
    "ten einde": "om",
    "derhalve": "dus",
    "reeds": "al",
    "omtrent": "over",
    "indien": "als",
    "alvorens": "voor",
    "inzake": "over",
    "krachtens": "volgens",
    "achterstallig*": "wat u nog moet betalen",
    "ingebrekestelling": "leg één keer uit: een brief die zegt dat u moet betalen",
    "middels": "met",
    "conform": "volgens",
    "aangaande": "over",
    "dienaangaande": "daarover",
    "hieromtrent": "hierover",
    "desgevallend": "als dat nodig is",
    "ten behoeve van": "voor",
    "in het kader van": "voor, bij",
    "met betrekking tot": "over",
    "dewelke": "die",
    "hetwelk": "dat",
    "onderhavig*": "deze",
    "voornoemd*": "die",
    "aldus": "zo",
    "tevens": "ook",
    "evenwel": "maar",
    "doch": "maar",
    "thans": "nu",
    "weldra": "snel",
    "verzoeke": "graag",
    "retourneren": "terugsturen",
    "gerechtigd": "u mag, u hebt recht op",
    "wanbetaling": "niet betalen",
    "debiteur": "wie moet betalen",
    "schuldenaar": "wie moet betalen",
    "vigerend*": "geldend, nu",
    "uiterlijk": "ten laatste",
    "terzake": "hierover",
    "mitsdien": "dus",
    "bijgevolg": "dus",
}

# Words that give a client's situation away on a lock screen, in nl, fr and en.
INDISCREET: dict[str, str] = {
    "schuld*": "debt",
    "achterstal*": "arrears",
    "achterstallig*": "arrears",
    "onbetaald*": "arrears",
    "niet betaald": "arrears",
    "wanbetaling": "debt",
    "afbetaling*": "debt",
    "deurwaarder*": "debt",
    "incasso*": "debt",
    "aanmaning*": "debt",
    "factuur": "debt",
    "waterfactuur": "debt",
    "afsluit*": "cut-off",
    "afgesloten": "cut-off",
    "afsnijden": "cut-off",
    "debietbegrenzer*": "cut-off",
    "dette*": "debt",
    "impaye*": "arrears",
    "arriere*": "arrears",
    "facture*": "debt",
    "huissier*": "debt",
    "coupure*": "cut-off",
    "couper": "cut-off",
    "debt*": "debt",
    "arrears": "arrears",
    "unpaid": "arrears",
    "overdue": "arrears",
    "bailiff*": "debt",
    "cut off": "cut-off",
    "cut-off": "cut-off",
    "disconnect*": "cut-off",
}

# An amount: a currency sign or word next to a number, or a number with decimals.
_AMOUNT = re.compile(
    r"(?:€|\bEUR\b|\beuros?\b)\s?\d(?:[\d.,]*\d)?"
    r"|\d(?:[\d.,]*\d)?\s?(?:€|\bEUR\b|\beuros?\b)"
    r"|\b\d+,\d{2}\b",
    re.IGNORECASE,
)


WORD_TAIL = r"\w*"


@dataclass(frozen=True)
class WordHit:
    word: str  # as written in the text
    start: int
    listed: str  # the entry of the list it matched
    note: str  # the plain alternative, or the kind of indiscretion


def fold(text: str) -> str:
    """Lower case without accents, same length as the text, so positions carry over."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[0]
        out.append(base.lower() if len(base.lower()) == 1 else char)
    return "".join(out)


@cache
def _pattern(entries: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a list; group eN is entries[N] (longest first, so phrases win)."""
    parts = []
    for number, entry in enumerate(entries):
        stem = re.escape(fold(entry.rstrip("*"))).replace(r"\ ", r"\s+")
        tail = WORD_TAIL if entry.endswith("*") else ""
        parts.append(f"(?P<e{number}>{stem}{tail})")
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def _find(text: str, listing: dict[str, str]) -> list[WordHit]:
    entries = tuple(sorted(listing, key=len, reverse=True))
    hits = []
    for match in _pattern(entries).finditer(fold(text)):
        index = int(next(name for name, value in match.groupdict().items() if value)[1:])
        entry = entries[index]
        hits.append(
            WordHit(text[match.start() : match.end()], match.start(), entry, listing[entry])
        )
    return hits


def officialese(text: str) -> list[WordHit]:
    return _find(text, OFFICIALESE)


def indiscretions(text: str) -> list[WordHit]:
    found = _find(text, INDISCREET)
    found += [WordHit(m.group(0), m.start(), "amount", "amount") for m in _AMOUNT.finditer(text)]
    return sorted(found, key=lambda hit: hit.start)
